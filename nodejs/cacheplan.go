package nodejs

import (
	"fmt"
	"path"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// planCaches records the app directories kept between builds: the
// cacheDirectories (or cache_directories) of package.json, else the defaults.
func (pl *planner) planCaches() error {
	if !pl.cacheEnabled() {
		return nil
	}
	for _, key := range []string{"cacheDirectories", "cache_directories"} {
		dirs, ok, err := pl.pkg.stringList(key)
		if err != nil {
			return &buildpack.UserError{
				Msg:  "package.json " + err.Error(),
				Hint: `Write it as a list of directories, e.g. "cacheDirectories": ["node_modules", "client/node_modules"].`,
			}
		}
		if !ok {
			continue
		}
		clean, err := cleanCacheDirs(key, dirs)
		if err != nil {
			return err
		}
		if err := buildpack.RefuseEscapes(pl.app, clean...); err != nil {
			return err
		}
		pl.plan.Caches = clean
		pl.set.CacheDirsSource = "package.json " + key
		return nil
	}
	for _, d := range defaultCacheDirs(pl.pm) {
		if d == "node_modules" && pl.modulesInApp() {
			continue // the app's own: never replaced by an earlier build's
		}
		pl.plan.Caches = append(pl.plan.Caches, d)
	}
	return buildpack.RefuseEscapes(pl.app, pl.plan.Caches...)
}

// defaultCacheDirs are node_modules and bower_components. npm ci deletes
// node_modules before installing, so for it only the npm cache (kept
// separately) speeds the next build up and node_modules is not copied.
func defaultCacheDirs(pm pmChoice) []string {
	if pm.name == "npm" && pm.lockfile != "" {
		return []string{"bower_components"}
	}
	if pm.name == "yarn" && pm.berry && pm.linker != "node-modules" {
		// Plug'n'Play: no node_modules; the packages live in .yarn/cache.
		return []string{".yarn/cache", "bower_components"}
	}
	return []string{"node_modules", "bower_components"}
}

// cleanCacheDirs validates cacheDirectories entries: relative paths that stay
// inside the app.
func cleanCacheDirs(key string, dirs []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		c := path.Clean(strings.TrimSpace(d))
		if strings.HasPrefix(d, "/") || c == ".." || strings.HasPrefix(c, "../") || c == "." || c == "" ||
			c == nodeDir || strings.HasPrefix(c, ".scalingo/") || c == ".scalingo" {
			return nil, &buildpack.UserError{
				Msg:  fmt.Sprintf("package.json %s contains %q, which is not a directory inside the app", key, d),
				Hint: "List paths relative to the app root without .. (for example \"client/node_modules\"); .scalingo is managed by the build.",
			}
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}
