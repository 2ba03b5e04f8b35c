package nodejs

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/nodejs/depcache"
	"github.com/kiln-dev/kiln/nodejs/prefetch"
)

// A cold build downloads the tarballs its package-lock.json names into the
// npm cache from its start, while Node.js downloads and unpacks, and npm ci
// then installs from its cache (package prefetch). Here the compiler
// decides when: the prefetch step starts it, the install step waits for it,
// and a restored node_modules or a cleared npm cache stops it.

// prefetchPackages starts downloading the lockfile's tarballs into the npm
// cache; the install step waits for it (awaitPrefetch).
func (c *compiler) prefetchPackages(buildpack.Step) error {
	c.startPrefetch(true)
	return nil
}

// startPrefetch starts the background download, under a step header of its
// own when header is set.
func (c *compiler) startPrefetch(header bool) {
	npmCache, _ := lookupAny(c.env, "NPM_CONFIG_CACHE")
	lockName := c.set.Lockfile
	lock, err := os.ReadFile(filepath.Join(c.ctx.AppDir, lockName))
	if npmCache == "" || err != nil {
		return // npm ci reports a missing lockfile itself
	}
	if c.dependenciesLikelyRestored() {
		// The install step will restore node_modules: nothing to fetch, and
		// no need to look for 1,000 tarballs in the cache (20-50 ms here).
		c.prefetch = &prefetch.Job{}
		return
	}
	o := prefetch.Options{
		Lockfile: lock,
		LockName: lockName,
		NPMCache: npmCache,
		Selection: prefetch.Selection{
			Platform: prefetch.HostPlatform(),
			OmitDev:  c.omitsDev(),
			Registry: c.set.Registry,
			Scoped:   npmrcScopedRegistries(c.ctx.AppDir),
		},
		Client: c.prefetchClient(),
		Log:    c.log,
	}
	if header {
		o.Header = "Downloading dependencies"
	}
	c.prefetch = prefetch.Start(c.ctx.Context(), o)
}

// awaitPrefetch waits for the background download before npm runs, and
// says what it did.
func (c *compiler) awaitPrefetch() {
	j := c.prefetch
	if j == nil {
		return
	}
	c.prefetch = nil
	j.Wait()
	if j.Ran() {
		c.ctx.Report.Prefetched(j.Stats())
	}
}

// omitsDev reports whether the plan's npm install leaves devDependencies
// out (--omit=dev, or --production=true for npm 6).
func (c *compiler) omitsDev() bool {
	for _, s := range c.plan.Steps {
		if isInstallStep(s.Name) {
			return slices.Contains(s.Command, "--omit=dev") || slices.Contains(s.Command, "--production=true")
		}
	}
	return false
}

// stopPrefetch cancels the background download when no install runs (the
// saved node_modules was restored) or when the npm cache is about to be
// cleared, waits for it to stop, and reports whether one was running.
func (c *compiler) stopPrefetch() bool {
	j := c.prefetch
	if j == nil {
		return false
	}
	j.Stop()
	c.prefetch = nil
	return true
}

// prefetchable reports whether the build can fetch the lockfile's packages
// ahead of npm: npm with a package-lock.json or npm-shrinkwrap.json of
// lockfileVersion 2 or later (version 1 has no packages section).
func prefetchable(app string, pm pmChoice) bool {
	_, ok := npmLockfile(app, pm)
	return ok
}

// npmLockfile returns the package-lock.json or npm-shrinkwrap.json of an
// npm project when its lockfileVersion is 2 or later (version 1 has no
// packages section).
func npmLockfile(app string, pm pmChoice) ([]byte, bool) {
	if pm.name != "npm" || (pm.lockfile != "package-lock.json" && pm.lockfile != "npm-shrinkwrap.json") {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(app, pm.lockfile))
	if err != nil || gjson.GetBytes(b, "lockfileVersion").Int() < 2 {
		return nil, false
	}
	return b, true
}

// dependenciesLikelyRestored tells, before Node.js is installed, whether
// the install step will restore the saved node_modules: the dependency key
// computed with the planned versions equals the saved one. A wrong guess
// only costs speed: the install step decides with the installed versions.
func (c *compiler) dependenciesLikelyRestored() bool {
	if !c.set.DepCache {
		return false
	}
	var install []string
	for _, s := range c.plan.Steps {
		if isInstallStep(s.Name) {
			install = s.Command
		}
	}
	saved, ok := depcache.SavedKey(c.cacheDir())
	if !ok || install == nil {
		return false
	}
	key, err := computeDepKey(c.ctx.AppDir, c.nodeHome(), c.plan, c.set, c.env, install)
	return err == nil && len(key.Changes(saved)) == 0
}

// prefetchClient is the client of the prefetch: the one for bulk downloads,
// sending the .npmrc's token to the registry it belongs to, as npm does.
func (c *compiler) prefetchClient() *http.Client {
	client := cmp.Or(c.ctx.BulkHTTP, c.ctx.HTTP)
	if c.set.RegistryAuth != "" {
		client = withRegistryAuth(client, npmrcTokens(c.ctx.AppDir, c.ctx.Env))
	}
	return client
}
