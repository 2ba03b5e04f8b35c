package nodejs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
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
		reg = npmrcRegistry(app)
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
