package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local/cachedir"
)

// addAppCache adds to the cache root root the cache of an app built daysAgo days
// ago (its directory removed when gone), and returns the app's path.
func addAppCache(t *testing.T, root, name string, daysAgo int, gone bool) string {
	app := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.MkdirAll(app, 0o755))
	dir := cachedir.AppCacheDir(filepath.Join(root, "apps"), app)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, cachedir.WriteAppRecord(dir, app, time.Now().AddDate(0, 0, -daysAgo)))
	rec, err := os.Stat(filepath.Join(dir, cachedir.AppFile))
	require.NoError(t, err)
	writeSized(t, filepath.Join(dir, "node", "npm-cache", "blob"), 2048-int(rec.Size())) // 2 KiB in all
	if gone {
		require.NoError(t, os.RemoveAll(app))
	}
	return app
}

// addRuntime makes a runtime store entry of 4098 bytes, last used daysAgo
// days ago.
func addRuntime(t *testing.T, store, name string, daysAgo int) string {
	dir := filepath.Join(store, "node", name)
	writeSized(t, filepath.Join(dir, "tree", "bin", "node"), 4096)
	writeSized(t, filepath.Join(dir, "key.json"), 2)
	at := time.Now().AddDate(0, 0, -daysAgo)
	require.NoError(t, os.Chtimes(dir, at, at))
	require.NoError(t, os.Chtimes(filepath.Join(dir, "key.json"), at, at))
	return dir
}

func writeSized(t *testing.T, path string, size int) {
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, make([]byte, size), 0o644))
}

func TestCacheLs(t *testing.T) {
	root := t.TempDir()
	shop := addAppCache(t, root, "shop", 1, false)
	gone := addAppCache(t, root, "gone", 2, true)
	addRuntime(t, filepath.Join(root, "runtimes"), "node-24.18.0", 0)

	for _, sub := range []string{"ls", "list"} {
		code, stdout, stderr := kiln(buildpack.Env{}, "cache", sub, "--cache-root", root)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "App caches in "+filepath.Join(root, "apps")+"\n")
		assert.Regexp(t, `(?m)^  2\.0 KiB +\d{4}-\d\d-\d\d \d\d:\d\d +`+shop+`$`, stdout)
		assert.Contains(t, stdout, gone+" (gone)\n")
		assert.Contains(t, stdout, "Runtime store in "+filepath.Join(root, "runtimes")+"\n")
		assert.Regexp(t, `(?m)^  4\.0 KiB +\d{4}-\d\d-\d\d \d\d:\d\d +node/node-24\.18\.0$`, stdout)
		assert.Contains(t, stdout, "Total 8.0 KiB: app caches 4.0 KiB (2), runtime store 4.0 KiB\n")
	}

	// KILN_RUNTIME_STORE names the store; --json is the listing.
	store := t.TempDir()
	addRuntime(t, store, "node-20.1.0", 3)
	code, stdout, stderr := kiln(buildpack.Env{"KILN_RUNTIME_STORE": store}, "cache", "ls", "--json", "--cache-root", root)
	require.Equal(t, 0, code, stderr)
	var ls cachedir.Listing
	require.NoError(t, json.Unmarshal([]byte(stdout), &ls), stdout)
	assert.Equal(t, store, ls.StoreDir)
	require.Len(t, ls.Runtimes, 1)
	assert.Equal(t, "node/node-20.1.0", ls.Runtimes[0].Name)
	require.Len(t, ls.Apps, 2)
	assert.Equal(t, gone, ls.Apps[0].App)
	assert.True(t, ls.Apps[0].Gone)
}

func TestCachePruneAndClean(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "runtimes")
	kept := addAppCache(t, root, "kept", 1, false)
	old := addAppCache(t, root, "old", 12, false)
	gone := addAppCache(t, root, "gone", 1, true)
	addRuntime(t, store, "node-24.18.0", 1)
	addRuntime(t, store, "node-20.1.0", 12)

	code, stdout, stderr := kiln(buildpack.Env{}, "cache", "prune", "--days", "10", "--cache-root", root)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Removed the cache of "+old+": not built since ")
	assert.Contains(t, stdout, "Removed the cache of "+gone+": app gone (2.0 KiB)\n")
	assert.Contains(t, stdout, "Removed node/node-20.1.0 from the runtime store: not used since ")
	assert.Contains(t, stdout, "Freed 8.0 KiB\n")
	assert.NotContains(t, stdout, kept)
	assert.NotContains(t, stdout, "node-24.18.0")

	code, stdout, _ = kiln(buildpack.Env{}, "cache", "prune", "--cache-root", root)
	require.Equal(t, 0, code)
	assert.Equal(t, "Nothing to prune: every app cache was built, and every runtime used, in the last 30 days.\n", stdout)

	code, stdout, _ = kiln(buildpack.Env{}, "cache", "clean", kept, "--json", "--cache-root", root)
	require.Equal(t, 0, code)
	var cleaned struct {
		Removed []cachedir.Removal `json:"removed"`
		Freed   int64              `json:"freed_bytes"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &cleaned), stdout)
	require.Len(t, cleaned.Removed, 1)
	assert.Equal(t, kept, cleaned.Removed[0].Name)
	assert.Equal(t, int64(2048), cleaned.Freed)

	code, stdout, _ = kiln(buildpack.Env{}, "cache", "clean", kept, "--cache-root", root)
	require.Equal(t, 0, code)
	assert.Equal(t, "Nothing to clean: "+kept+" has no cache in "+filepath.Join(root, "apps")+".\n", stdout)

	other := addAppCache(t, root, "other", 1, false)
	code, stdout, _ = kiln(buildpack.Env{}, "cache", "clean", "--cache-root", root)
	require.Equal(t, 0, code)
	assert.Equal(t, "Removed the cache of "+other+" (2.0 KiB)\nRemoved node/node-24.18.0 from the runtime store (4.0 KiB)\nFreed 6.0 KiB\n", stdout)
	code, stdout, _ = kiln(buildpack.Env{}, "cache", "ls", "--json", "--cache-root", root)
	require.Equal(t, 0, code)
	var ls cachedir.Listing
	require.NoError(t, json.Unmarshal([]byte(stdout), &ls))
	assert.Empty(t, ls.Apps)
	assert.Empty(t, ls.Runtimes)
}

func TestCacheUsageErrors(t *testing.T) {
	root := t.TempDir()
	for args, want := range map[string]string{
		"cache":                 "usage: kiln cache ls|prune|clean",
		"cache prnue":           `cache: unknown subcommand "prnue"; did you mean prune?`,
		"cache ls --days 3":     "cache ls: --days is an option of kiln cache prune",
		"cache prune --days -1": "cache prune: --days -1: want a number of days, 0 or more",
		"cache prune extra":     "usage: kiln cache ls|prune|clean",
		"cache clean a b":       "usage: kiln cache ls|prune|clean",
		"cache ls --jsn":        "unknown flag --jsn; did you mean --json?",
	} {
		argv := append(strings.Fields(args), "--cache-root", root)
		code, stdout, stderr := kiln(buildpack.Env{}, argv...)
		assert.Equal(t, 2, code, args)
		assert.Empty(t, stdout, args)
		assert.Contains(t, stderr, want, args)
	}
}

func TestBuildRejectsABadCacheMax(t *testing.T) {
	app := writeApp(t, map[string]string{"package.json": "{}"})
	code, _, stderr := kiln(buildpack.Env{"KILN_CACHE_MAX": "2X"}, "build", "--cache", t.TempDir(), app)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `KILN_CACHE_MAX: "2X" is not a size: write a number of bytes, or one with a unit such as 500M or 2G`)
	assert.NoDirExists(t, filepath.Join(app, ".kiln"), "nothing is built")
}
