package cache

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSweep: one sweep of CACHE_DIR removes what killed builds left in
// every store (saves, replaced saves, spares in the making) and the
// stores of a former layout, and nothing else.
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	left := []string{
		"node/.deps-new-1/tree/node_modules/a", "node/.deps-old-2/tree", "node/deps/.spare-tmp-3/t",
		"node/.save-4/dirs",
		"php/.vendor-new-5/tree", "php/.vendor-old-6", "php/vendor/.spare-tmp-7/t/acme",
		"php/runtimes/.staging-8/tree", "php/runtimes/.staging-new-9", "php/runtimes/php-8.4.22-sha256-00/.spare-tmp-10",
		"runtimes/.staging-killed/bin", "runtimes/.staging-old-11", "runtimes/node-24.18.0/.spare-tmp-12/t",
		"runtimes/.spare-node-24.18.0-sha256-ab-0011", "runtimes/.spare-tmp-13",
		// Former layouts.
		"runtimes/node-22.1.0-sha256-abcdef/bin", "php/runtimes/nginx-1.30.3-sha256-00/tree",
		"php/runtimes/php-8.4.22-sha256-00/tree/bin", "runtimes/node-24.18.0/tree/bin", "runtimes/node-24.18.0/spare-0011/bin",
	}
	kept := []string{
		"node/deps/key.json", "node/deps/tree/node_modules/a/index.js", "node/deps/spare/node_modules/a/index.js",
		"node/npm-cache/_cacache/index", "node/signature", "node/dirs/bower_components/x",
		"php/vendor/key.json", "php/vendor/tree/acme/a.php", "php/vendor/spare/acme/a.php", "php/checksums.json",
		"runtimes/node-24.18.0.json", "runtimes/headers/node-v24.18.0-sha256-ab-headers.tar.gz", "downloads/sha256-ab", "composer/files/x",
	}
	for _, p := range left {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, p), 0o755))
	}
	writeTree(t, dir, map[string]string{
		"runtimes/node-22.1.0-sha256-abcdef/.kiln-runtime.json": "{}",
		"php/runtimes/nginx-1.30.3-sha256-00/manifest.json":     "{}",
		"php/runtimes/php-8.4.22-sha256-00/key.json":            "{}",
		"runtimes/node-24.18.0/key.json":                        "{}",
	})
	files := map[string]string{}
	for _, p := range kept {
		files[p] = p
	}
	writeTree(t, dir, files)

	Sweep(dir)
	var got []string
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(got)
	sort.Strings(kept)
	assert.Equal(t, kept, got)
	for _, p := range []string{"node/.deps-new-1", "runtimes/node-22.1.0-sha256-abcdef", "php/runtimes/nginx-1.30.3-sha256-00",
		"php/runtimes/php-8.4.22-sha256-00", "runtimes/node-24.18.0"} {
		assert.NoDirExists(t, filepath.Join(dir, p))
	}
	Sweep("") // no cache: nothing to do
}

func TestRemoveTemporaries(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"cache.build-1/app", "cache.build-2", "cache", "slug.build-3"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	RemoveTemporaries(dir, "cache.build-")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"cache", "slug.build-3"}, names)
}
