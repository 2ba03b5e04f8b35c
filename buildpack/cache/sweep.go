package cache

import (
	"os"
	"path/filepath"
)

// Sweep deletes what killed builds left in the build cache cacheDir: the
// temporary directories of every store's saves and spares, and the stores
// of a former layout (see leftovers and formerLayouts in policy.go). The
// engine runs it once per build, before the buildpacks compile: during
// the build the temporary directories are the build's own work, and a
// buildpack running inside another (PHP's Node.js assets) must not remove
// the other's.
func Sweep(cacheDir string) {
	if cacheDir == "" {
		return
	}
	for _, s := range stores(cacheDir) {
		s.sweep()
	}
	for _, pattern := range leftovers() {
		removeMatches(filepath.Join(cacheDir, pattern))
	}
	for _, pattern := range formerLayouts() {
		matches, _ := filepath.Glob(filepath.Join(cacheDir, pattern))
		for _, m := range matches {
			_ = os.RemoveAll(filepath.Dir(m))
		}
	}
}

// sweep deletes the store's temporary directories (a store of many, named
// "*", sweeps them all).
func (s Store) sweep() {
	for _, pattern := range s.temporaries() {
		removeMatches(pattern)
	}
}

// RemoveTemporaries deletes the entries of dir whose names start with
// prefix: the temporary directories a killed build left behind outside
// the build cache (kiln build's work directories).
func RemoveTemporaries(dir, prefix string) { removeMatches(filepath.Join(dir, prefix+"*")) }

// removeMatches deletes what pattern matches.
func removeMatches(pattern string) {
	matches, _ := filepath.Glob(pattern)
	for _, m := range matches {
		_ = os.RemoveAll(m)
	}
}
