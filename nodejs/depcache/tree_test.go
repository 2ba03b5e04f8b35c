package depcache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
)

// fakeTree writes a small installed tree: package code, a package.json and
// npm's hidden lockfile.
func fakeTree(t *testing.T, app, version string) {
	t.Helper()
	files := map[string]string{
		"node_modules/.package-lock.json":    `{"v":"` + version + `"}`,
		"node_modules/x/index.js":            "module.exports = '" + version + "'",
		"node_modules/x/package.json":        `{"name":"x","version":"` + version + `"}`,
		"node_modules/.cache/tool/state":     "cache",
		"packages/a/node_modules/y/index.js": "y",
	}
	for name, body := range files {
		p := filepath.Join(app, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules", ".bin"), 0o755))
	require.NoError(t, os.Symlink("../x/index.js", filepath.Join(app, "node_modules", ".bin", "x")))
}

// restoreWith runs the restore decision of an install step against the
// build cache cacheDir, as the next build would (after the engine's sweep),
// and returns whether it restored, what it printed and the app.
func restoreWith(t *testing.T, cacheDir string, key Key) (bool, string, string) {
	t.Helper()
	var out bytes.Buffer
	app := t.TempDir()
	cache.Sweep(cacheDir)
	s := New(Options{App: app, CacheDir: cacheDir, Log: buildpack.NewLogger(&out, nil)})
	ok := s.Restore(key, []string{"npm", "ci"})
	s.Close()
	return ok, out.String(), app
}

func TestCloneTreeLinksCodeAndCopiesMetadata(t *testing.T) {
	src := t.TempDir()
	fakeTree(t, src, "1")
	dst := filepath.Join(t.TempDir(), "node_modules")
	n, err := cache.NodeModules(t.TempDir()).Clone(filepath.Join(src, "node_modules"), dst, "node_modules", nil)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	inode := func(p string) uint64 {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	same := func(rel string) bool {
		return inode(filepath.Join(src, "node_modules", rel)) == inode(filepath.Join(dst, rel))
	}
	assert.True(t, same("x/index.js"), "package code is linked")
	assert.False(t, same("x/package.json"), "package.json is copied")
	assert.False(t, same(".package-lock.json"), "package manager metadata is copied")
	assert.False(t, same(".cache/tool/state"), "tool caches are copied")

	// npm prune rewrites its hidden lockfile in place: the source is intact.
	require.NoError(t, os.WriteFile(filepath.Join(dst, ".package-lock.json"), []byte("pruned"), 0o644))
	b, err := os.ReadFile(filepath.Join(src, "node_modules", ".package-lock.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"v":"1"}`, string(b))
}

func TestFindTrees(t *testing.T) {
	app := t.TempDir()
	fakeTree(t, app, "1")
	require.NoError(t, os.MkdirAll(filepath.Join(app, ".git", "node_modules"), 0o755))
	assert.Equal(t, []string{"node_modules", "packages/a/node_modules"}, findTrees(app))
}

// TestDependencyCacheKilledDuringSave interrupts a save at each point where
// a killed build leaves a distinct state; the next build either restores a
// complete tree with its own key or ignores the cache with a message.
func TestDependencyCacheKilledDuringSave(t *testing.T) {
	v1 := Key{Format: KeyFormat, Files: map[string]string{"package-lock.json": "v1"}}
	v2 := Key{Format: KeyFormat, Files: map[string]string{"package-lock.json": "v2"}}
	killed := errors.New("killed")
	for _, tc := range []struct {
		point string
		// want is what the next build does with key v2 and with key v1.
		wantV2, wantV1 string
	}{
		{"staged", "Dependencies changed since the cached build (package-lock.json)", "restored"},
		{"swapped-out", "No installed dependencies in the cache", "No installed dependencies in the cache"},
	} {
		t.Run(tc.point, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "node")
			app1, app2 := t.TempDir(), t.TempDir()
			fakeTree(t, app1, "1")
			fakeTree(t, app2, "2")
			st := cache.NodeModules(dir)
			_, err := save(st, app1, v1, findTrees(app1), nil)
			require.NoError(t, err)
			_, err = save(st, app2, v2, findTrees(app2), func(point string) error {
				if point == tc.point {
					// A kill leaves the staging directory: keep a copy of it.
					matches, _ := filepath.Glob(filepath.Join(root, ".deps-new-*"))
					require.Len(t, matches, 1)
					require.NoError(t, os.Rename(matches[0], matches[0]+"-left"))
					return killed
				}
				return nil
			})
			require.ErrorIs(t, err, killed)

			ok, out, _ := restoreWith(t, dir, v2)
			assert.False(t, ok)
			assert.Contains(t, out, tc.wantV2)
			leftovers, _ := filepath.Glob(filepath.Join(root, ".deps-*"))
			assert.Empty(t, leftovers, "leftovers of the killed save are removed")

			ok, out, app := restoreWith(t, dir, v1)
			assert.Contains(t, out, tc.wantV1)
			if ok {
				b, err := os.ReadFile(filepath.Join(app, "node_modules", "x", "index.js"))
				require.NoError(t, err)
				assert.Equal(t, "module.exports = '1'", string(b), "the restored tree is the one of key v1")
				assert.FileExists(t, filepath.Join(app, "packages", "a", "node_modules", "y", "index.js"))
			}
		})
	}
}

func TestDependencyCacheIgnoresDamage(t *testing.T) {
	key := Key{Format: KeyFormat}
	for name, damage := range map[string]func(dir string) error{
		"no key.json":      func(dir string) error { return os.Remove(filepath.Join(dir, "key.json")) },
		"garbled key.json": func(dir string) error { return os.WriteFile(filepath.Join(dir, "key.json"), []byte("{"), 0o644) },
		"tree missing":     func(dir string) error { return os.RemoveAll(filepath.Join(dir, "tree", "node_modules")) },
		"escaping tree": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "key.json"), []byte(`{"key":{"format":1},"tree":["../etc"]}`), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			app := t.TempDir()
			fakeTree(t, app, "1")
			_, err := save(cache.NodeModules(dir), app, key, findTrees(app), nil)
			require.NoError(t, err)
			require.NoError(t, damage(cache.NodeModules(dir).Dir()))
			ok, out, _ := restoreWith(t, dir, key)
			assert.False(t, ok)
			assert.Contains(t, out, "Ignoring the cached dependencies")
		})
	}
}

// TestDependencyCacheSpare checks that a restore takes the spare, prepares
// the next one, and that both restores see the saved content.
func TestDependencyCacheSpare(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "node")
	app := t.TempDir()
	fakeTree(t, app, "1")
	key := Key{Format: KeyFormat}
	s := New(Options{App: app, CacheDir: dir})
	s.SaveNow(key, nil)
	s.Close()
	assert.DirExists(t, filepath.Join(root, "deps", "spare", "node_modules"))
	for i := 0; i < 2; i++ {
		ok, _, restored := restoreWith(t, dir, key)
		require.True(t, ok)
		assert.FileExists(t, filepath.Join(restored, "node_modules", "x", "index.js"))
		assert.DirExists(t, filepath.Join(root, "deps", "spare", "node_modules"), "the next spare is ready")
	}
}

// TestCancelledBuildSavesButMakesNoSpare checks that a cancelled build
// finishes its save (the next build restores it) without linking a spare.
func TestCancelledBuildSavesButMakesNoSpare(t *testing.T) {
	dir := t.TempDir()
	app := t.TempDir()
	fakeTree(t, app, "1")
	key := Key{Format: KeyFormat}
	done := make(chan struct{})
	close(done)
	s := New(Options{App: app, CacheDir: dir, Done: done})
	s.SaveNow(key, nil)
	s.Close()
	assert.NoDirExists(t, filepath.Join(dir, "node", "deps", "spare", "node_modules"))
	ok, _, restored := restoreWith(t, dir, key)
	require.True(t, ok, "the save was finished")
	assert.FileExists(t, filepath.Join(restored, "node_modules", "x", "index.js"))
}
