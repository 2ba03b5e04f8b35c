package nodejs

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/depcache"
)

// A cold build used to download the app's packages only once Node.js was
// installed, when npm ci ran. But a package-lock.json (v2 or later) already
// says which tarballs npm will need (packages.*.resolved) and what they hash
// to (integrity), and npm reads a tarball whose lockfile entry has both
// straight from its cache's content store, by digest, without asking the
// registry (pacote's tarballFromCache, cacache's get.stream.byDigest; the
// index is not consulted). So the build downloads those tarballs into the
// content store, <npm cache>/_cacache/content-v2/<algo>/<hex[0:2]>/
// <hex[2:4]>/<hex[4:]>, in the background from the start, while Node.js
// downloads and unpacks, and npm ci then installs from its cache. Each file
// is verified against its integrity before it is renamed into place, so the
// store never holds a wrong blob. Tarballs already there are left alone, a
// failed download only leaves that package to npm, and entries npm would not
// read from the cache (links, git and file dependencies, no integrity) are
// not fetched. Like npm (replace-registry-host=npmjs), tarballs of the
// public registry are fetched from the configured one.

// prefetchWorkers is how many tarballs download at a time. Small tarballs
// make the download wait on round trips rather than bandwidth: the 1,086
// tarballs (170 MB) of bench/apps/large took 2.3-2.4 s with 12 at a time,
// 1.3-1.8 s with 16-24 and 0.9-1.3 s with 32, from the npm registry.
const prefetchWorkers = 32

// prefetchClient is the HTTP client of the prefetch when the build brings
// none. It is not the runtimes' client: over HTTP/2 one client shares one
// connection per host, and the Node.js archive, on the build's critical
// path, would get one stream's share of it among 32.
var prefetchClient = sync.OnceValue(fetch.NewClient)

// publicRegistry is the registry host npm replaces with the configured one.
const publicRegistry = "https://registry.npmjs.org/"

// tarball is one package archive to download.
type tarball struct {
	url string
	sum fetch.Checksum
}

// lockfileTarballs lists the registry tarballs of a v2/v3 package-lock.json
// that npm would read from its cache, once each.
func lockfileTarballs(lock []byte, registry string) []tarball {
	var out []tarball
	seen := map[string]bool{}
	gjson.GetBytes(lock, "packages").ForEach(func(path, p gjson.Result) bool {
		resolved, integrity := p.Get("resolved").String(), p.Get("integrity").String()
		if path.String() == "" || p.Get("link").Bool() || p.Get("inBundle").Bool() || integrity == "" ||
			!(strings.HasPrefix(resolved, "https://") || strings.HasPrefix(resolved, "http://")) {
			return true
		}
		sum, err := fetch.SRI(integrity)
		if err != nil || seen[sum.String()] {
			return true
		}
		seen[sum.String()] = true
		if rest, ok := strings.CutPrefix(resolved, publicRegistry); ok && registry != "" {
			resolved = strings.TrimRight(registry, "/") + "/" + rest
		}
		out = append(out, tarball{url: resolved, sum: sum})
		return true
	})
	return out
}

// cacachePath is where npm's cache keeps the content with checksum sum.
func cacachePath(npmCache string, sum fetch.Checksum) string {
	h := hex.EncodeToString(sum.Digest)
	return filepath.Join(npmCache, "_cacache", "content-v2", sum.Algo, h[:2], h[2:4], h[4:])
}

// prefetchJob is the background download of one build.
type prefetchJob struct {
	cancel  context.CancelFunc
	done    chan struct{}
	start   time.Time
	total   int
	present int          // already in the npm cache
	fetched atomic.Int32 // downloaded now
	failed  atomic.Int32 // left to npm
	bytes   atomic.Int64
	took    time.Duration
}

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
	lockName := c.plan.Settings[setLockfile]
	lock, err := os.ReadFile(filepath.Join(c.ctx.AppDir, lockName))
	if npmCache == "" || err != nil {
		return // npm ci reports a missing lockfile itself
	}
	if c.dependenciesLikelyRestored() {
		// The install step will restore node_modules: nothing to fetch, and
		// no need to look for 1,000 tarballs in the cache (20-50 ms here).
		c.prefetch = &prefetchJob{cancel: func() {}, done: make(chan struct{}), start: time.Now()}
		close(c.prefetch.done)
		return
	}
	var todo []tarball
	all := lockfileTarballs(lock, c.plan.Settings[setRegistry])
	for _, t := range all {
		if _, err := os.Stat(cacachePath(npmCache, t.sum)); err != nil {
			todo = append(todo, t)
		}
	}
	ctx, cancel := context.WithCancel(c.ctx.Context())
	job := &prefetchJob{cancel: cancel, done: make(chan struct{}), start: time.Now(), total: len(all), present: len(all) - len(todo)}
	c.prefetch = job
	if len(todo) == 0 {
		close(job.done)
		return
	}
	if header {
		c.log.Header("Downloading dependencies")
	}
	c.log.Info("Fetching the %d packages of %s missing from the npm cache in the background", len(todo), lockName)
	client := c.ctx.HTTP
	if client == nil {
		client = prefetchClient()
	}
	f := &fetch.Fetcher{Client: client}
	work := make(chan tarball)
	var wg sync.WaitGroup
	for range min(prefetchWorkers, len(todo)) {
		wg.Go(func() {
			for t := range work {
				job.save(ctx, f, npmCache, t)
			}
		})
	}
	go func() {
		defer close(job.done)
		for _, t := range todo {
			if ctx.Err() != nil {
				break
			}
			work <- t
		}
		close(work)
		wg.Wait()
		job.took = time.Since(job.start)
	}()
}

// save downloads one tarball into the npm cache.
func (j *prefetchJob) save(ctx context.Context, f *fetch.Fetcher, npmCache string, t tarball) {
	dest := cacachePath(npmCache, t.sum)
	err := os.MkdirAll(filepath.Dir(dest), 0o755)
	if err == nil {
		err = f.Save(ctx, t.url, t.sum, dest)
	}
	if err != nil {
		j.failed.Add(1)
		return
	}
	j.fetched.Add(1)
	if fi, err := os.Stat(dest); err == nil {
		j.bytes.Add(fi.Size())
	}
}

// awaitPrefetch waits for the background download before npm runs, and
// says what it did.
func (c *compiler) awaitPrefetch() {
	j := c.prefetch
	if j == nil {
		return
	}
	c.prefetch = nil
	waited := time.Now()
	<-j.done
	j.cancel()
	if j.total == j.present {
		return
	}
	c.log.Info("Fetched %d of %d packages (%.1f MB) into the npm cache in %s (waited %s for them); npm installs from its cache",
		j.fetched.Load(), j.total-j.present, float64(j.bytes.Load())/1e6, j.took.Round(10*time.Millisecond), time.Since(waited).Round(10*time.Millisecond))
	if n := j.failed.Load(); n > 0 {
		c.log.Info("%d could not be fetched ahead; npm downloads them", n)
	}
}

// stopPrefetch cancels the background download when no install runs (the
// saved node_modules was restored) or when the npm cache is about to be
// cleared, waits for it to stop, and reports whether one was running.
func (c *compiler) stopPrefetch() bool {
	j := c.prefetch
	if j == nil {
		return false
	}
	j.cancel()
	<-j.done
	c.prefetch = nil
	return true
}

// prefetchable reports whether the build can fetch the lockfile's packages
// ahead of npm: npm with a package-lock.json or npm-shrinkwrap.json of
// lockfileVersion 2 or later (version 1 has no packages section).
func prefetchable(app string, pm pmChoice) (string, bool) {
	if _, ok := npmLockfile(app, pm); !ok {
		return "", false
	}
	return fmt.Sprintf("download the tarballs of %s into the npm cache in the background while Node.js installs", pm.lockfile), true
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
	if c.plan.Settings[setDepKeyFiles] == "" {
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
	key, err := computeDepKey(c.ctx.AppDir, c.nodeHome(), c.plan, c.env, install)
	return err == nil && len(key.Changes(saved)) == 0
}
