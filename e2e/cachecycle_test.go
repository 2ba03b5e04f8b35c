package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestClassicCacheArchivedAndRestored runs the cycle of a hosted platform
// between two builds of one app: bin/compile, archive CACHE_DIR with tar +
// gzip, delete it, unpack the archive into another directory (as on another
// builder host), bin/compile a fresh copy of the app with it. The second
// build must be warm (node_modules restored instead of npm ci, no Node.js
// download), must not depend on CACHE_DIR once it is done (the platform
// archives and deletes it), and its web process must serve the app.
func TestClassicCacheArchivedAndRestored(t *testing.T) {
	skipShort(t)
	start := time.Now()
	root := repoRoot(t)
	bin := filepath.Join(root, "bin")
	example := filepath.Join(root, "examples", "nodejs-express")
	env := hostEnv()
	work := t.TempDir()
	envDir := filepath.Join(work, "env")
	require.NoError(t, os.Mkdir(envDir, 0o755))

	// Builder host 1: a cold build.
	oldCache := filepath.Join(work, "host1", "cache")
	require.NoError(t, os.MkdirAll(oldCache, 0o755))
	first := runCmd(t, env, "", filepath.Join(bin, "compile"), copyTree(t, example), oldCache, envDir)
	require.Equal(t, 0, first.code, describe(first))
	require.Contains(t, first.stdout, "Downloading and verifying Node.js", "the first build starts cold")
	require.Contains(t, first.stdout, "Running npm ci", "the first build starts cold")

	// The platform archives CACHE_DIR, deletes it, and unpacks the archive
	// on the next builder host.
	archive := filepath.Join(work, "cache.tgz")
	r := runCmd(t, env, "", "tar", "-C", oldCache, "-czf", archive, ".")
	require.Equal(t, 0, r.code, describe(r))
	require.NoError(t, os.RemoveAll(oldCache))
	newCache := filepath.Join(work, "host2", "restored-cache")
	require.NoError(t, os.MkdirAll(newCache, 0o755))
	r = runCmd(t, env, "", "tar", "-C", newCache, "-xzf", archive)
	require.Equal(t, 0, r.code, describe(r))
	assertLinksInside(t, newCache)
	cacheSize, archiveSize := treeSize(t, newCache), fileSize(t, archive)

	// Builder host 2: a fresh checkout of the same app, the restored cache.
	build := copyTree(t, example)
	second := runCmd(t, env, "", filepath.Join(bin, "compile"), build, newCache, envDir)
	require.Equal(t, 0, second.code, describe(second))
	out := second.stdout
	warm := assert.True(t, strings.Contains(out, "Dependencies unchanged since the cached build: restored node_modules"), "node_modules is restored from the cache")
	warm = assert.True(t, strings.Contains(out, "instead of running npm ci"), "the restore replaces npm ci") && warm
	warm = assert.False(t, strings.Contains(out, "Running npm ci"), "a warm build installs nothing") && warm
	warm = assert.False(t, strings.Contains(out, "Downloading and verifying Node.js"), "a warm build downloads no runtime") && warm
	warm = assert.False(t, strings.Contains(out, "No cache from an earlier build"), "the cache is found") && warm
	if !warm {
		t.Logf("second build:\n%s", describe(second))
	}
	assert.DirExists(t, filepath.Join(build, "node_modules", "express"))

	// The slug must stand on its own: the platform archives and deletes
	// CACHE_DIR after the build, before the app runs.
	require.NoError(t, os.RemoveAll(newCache))
	port := freePort(t)
	startWeb(t, bin, build, port)
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, "Hello from kiln! Node.js v24.", "Node.js of the build, not the host's")
	assert.Contains(t, body, "NODE_ENV=production")
	t.Logf("cache %d MB, archive %d MB; cycle with two builds and an HTTP check in %s",
		cacheSize>>20, archiveSize>>20, time.Since(start).Round(100*time.Millisecond))
}

// assertLinksInside checks that every symbolic link of the unpacked cache
// dir is relative and stays inside it: an absolute link, or one that
// climbs out, would point at the builder host the cache was archived on.
func assertLinksInside(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return err
		}
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		resolved := filepath.Join(filepath.Dir(path), target)
		rel, err := filepath.Rel(dir, resolved)
		if err != nil {
			return err
		}
		assert.False(t, filepath.IsAbs(target) || rel == ".." || strings.HasPrefix(rel, "../"),
			"%s links to %s, outside the cache", path, target)
		return nil
	})
	require.NoError(t, err)
}

// treeSize is the disk usage of dir, each hard-linked file counted once.
func treeSize(t *testing.T, dir string) int64 {
	t.Helper()
	seen := map[uint64]bool{}
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		n += info.Size()
		return nil
	})
	require.NoError(t, err)
	return n
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Size()
}

// startWeb starts the web process bin/release declares for build as a
// platform does: HOME = the build, .profile.d sourced, PORT set, in a
// process group of its own that is killed when the test ends.
func startWeb(t *testing.T, bin, build string, port int) {
	t.Helper()
	r := runCmd(t, hostEnv(), "", filepath.Join(bin, "release"), build)
	require.Equal(t, 0, r.code, describe(r))
	var rel struct {
		DefaultProcessTypes map[string]string `yaml:"default_process_types"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &rel), r.stdout)
	web := rel.DefaultProcessTypes["web"]
	require.NotEmpty(t, web, r.stdout)

	buildpacktest.StartWeb(t, build, web, port)
}
