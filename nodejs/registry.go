package nodejs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

const (
	defaultDistMirror = "https://nodejs.org/dist"
	defaultRegistry   = "https://registry.npmjs.org/"
)

// npmRegistry returns the registry the build uses to fetch Node.js and the
// package managers: NPM_CONFIG_REGISTRY, npm_config_registry, the app's
// .npmrc registry=, or the public registry. It always ends with "/".
func npmRegistry(app string, env buildpack.Env) string {
	reg, ok := lookupAny(env, "NPM_CONFIG_REGISTRY")
	if !ok || strings.TrimSpace(reg) == "" {
		reg, _ = expandNpmrc(npmrcRegistry(app), env)
	}
	reg = strings.TrimSpace(reg)
	if reg == "" {
		return defaultRegistry
	}
	return strings.TrimRight(reg, "/") + "/"
}

// npmrcRegistry reads the unscoped registry= line of the app's .npmrc.
func npmrcRegistry(app string) string {
	rc, err := os.ReadFile(filepath.Join(app, ".npmrc"))
	if err != nil {
		return ""
	}
	reg := ""
	for k, v := range npmrcEntries(string(rc)) {
		if k == "registry" {
			reg = strings.Trim(strings.TrimSpace(v), `'"`)
		}
	}
	return reg
}

// npmrcVar is an environment reference in an .npmrc value, as npm reads
// it: ${NAME}, or ${NAME?} (empty when unset); an odd number of
// backslashes before it escapes it, and each pair of them stands for one.
var npmrcVar = regexp.MustCompile(`(\\*)\$\{([^${}?]+)(\?)?\}`)

// expandNpmrc replaces the environment references of an .npmrc value, as
// npm does; missing names the first variable that is not set (and has no
// ?), whose reference is left as written.
func expandNpmrc(v string, env buildpack.Env) (out, missing string) {
	out = npmrcVar.ReplaceAllStringFunc(v, func(ref string) string {
		m := npmrcVar.FindStringSubmatch(ref)
		esc := len(m[1])
		if esc%2 == 1 {
			return ref[(esc+1)/2:] // escaped: half the backslashes stay
		}
		val, ok := env.Lookup(m[2])
		if !ok && m[3] == "" {
			if missing == "" {
				missing = m[2]
			}
			return ref
		}
		return m[1][esc/2:] + val
	})
	return out, missing
}

// checkNpmrcRegistry rejects an .npmrc registry= that refers to a variable
// the build does not set, which npm would refuse too.
func checkNpmrcRegistry(app string, env buildpack.Env) error {
	if reg, ok := lookupAny(env, "NPM_CONFIG_REGISTRY"); ok && strings.TrimSpace(reg) != "" {
		return nil
	}
	if _, missing := expandNpmrc(npmrcRegistry(app), env); missing != "" {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf(".npmrc sets registry from ${%s}, but %s is not set", missing, missing),
			Hint: fmt.Sprintf("Set the environment variable %s to the registry's URL, or write the URL in .npmrc.", missing),
		}
	}
	return nil
}

// npmrcScopedRegistries reads the @scope:registry= lines of the app's
// .npmrc: scope ("@acme") → registry. Values npm would expand (${VAR}) are
// left out.
func npmrcScopedRegistries(app string) map[string]string {
	rc, err := os.ReadFile(filepath.Join(app, ".npmrc"))
	if err != nil {
		return nil
	}
	scoped := map[string]string{}
	for k, v := range npmrcEntries(string(rc)) {
		scope, ok := strings.CutSuffix(k, ":registry")
		v = strings.Trim(strings.TrimSpace(v), `'"`)
		if ok && strings.HasPrefix(scope, "@") && v != "" && !strings.Contains(v, "${") {
			scoped[scope] = v
		}
	}
	return scoped
}

// registryDist is the tarball location and integrity of a published package.
type registryDist struct {
	Tarball   string
	Integrity fetch.Checksum
}

// registryVersion is the package function registryVersion, with a warning
// when the registry vouches for the archive with SHA-1 alone: it is
// verified, as npm does, but SHA-1 no longer rules out a forged archive.
func (c *compiler) registryVersion(ctx context.Context, f downloader, registry, name, version string) (registryDist, error) {
	d, err := registryVersion(ctx, f, registry, name, version)
	if err == nil && d.Integrity.Algo == "sha1" {
		c.log.Warn("The registry gives %s@%s a SHA-1 checksum only (no sha512 integrity): kiln verified it, as npm does, but SHA-1 no longer rules out a forged archive. "+
			"Use a registry that publishes sha512 integrity.", name, version)
	}
	return d, err
}

// registryVersion asks the registry about one exact version of a package.
func registryVersion(ctx context.Context, f downloader, registry, name, version string) (registryDist, error) {
	doc := registry + strings.Replace(url.PathEscape(name), "%40", "@", 1) + "/" + url.PathEscape(version)
	b, err := f.Text(ctx, doc, 4<<20)
	if err != nil {
		return registryDist{}, err
	}
	if !json.Valid(b) {
		return registryDist{}, fmt.Errorf("GET %s: not a JSON document", doc)
	}
	dist := gjson.GetBytes(b, "dist")
	tarball := dist.Get("tarball").String()
	if tarball == "" {
		return registryDist{}, fmt.Errorf("GET %s: no dist.tarball in the answer", doc)
	}
	var sum fetch.Checksum
	if in := dist.Get("integrity").String(); in != "" {
		sum, err = fetch.SRI(in)
	} else {
		sum, err = fetch.Hex("sha1", dist.Get("shasum").String())
	}
	if err != nil {
		return registryDist{}, fmt.Errorf("%s@%s: %w", name, version, err)
	}
	return registryDist{Tarball: tarball, Integrity: sum}, nil
}

// linkBins creates, in binDir, a symlink for each "bin" entry of the
// package.json of the package installed at pkgDir.
func linkBins(pkgDir, binDir string) error {
	b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return fmt.Errorf("reading package.json of %s: %w", filepath.Base(pkgDir), err)
	}
	bins := map[string]string{}
	switch v := gjson.GetBytes(b, "bin"); {
	case v.Type == gjson.String:
		bins[filepath.Base(gjson.GetBytes(b, "name").String())] = v.String()
	case v.IsObject():
		v.ForEach(func(k, val gjson.Result) bool { bins[k.String()] = val.String(); return true })
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	for name, rel := range bins {
		target, err := fetch.SafeJoin(pkgDir, rel)
		if err != nil || strings.Contains(name, "/") {
			return fmt.Errorf("package %s: bad bin entry %q", filepath.Base(pkgDir), name)
		}
		if err := os.Chmod(target, 0o755); err != nil {
			return fmt.Errorf("package %s: %w", filepath.Base(pkgDir), err)
		}
		linkTarget, err := filepath.Rel(binDir, target)
		if err != nil {
			return err
		}
		link := filepath.Join(binDir, name)
		_ = os.Remove(link)
		if err := os.Symlink(linkTarget, link); err != nil {
			return fmt.Errorf("linking %s: %w", name, err)
		}
	}
	return nil
}
