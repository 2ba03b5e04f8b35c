package depcache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// installedApp makes an app whose node_modules looks like an install's:
// a package with a bin, its .bin link, npm's hidden lockfile, a nested
// package, files with npm's 1985 modification time.
func installedApp(t *testing.T) string {
	t.Helper()
	app := t.TempDir()
	files := map[string]string{
		"node_modules/.package-lock.json":                `{"lockfileVersion":3}`,
		"node_modules/a/package.json":                    `{"name":"a","version":"1.0.0","bin":"cli.js"}`,
		"node_modules/a/cli.js":                          "#!/usr/bin/env node\n",
		"node_modules/a/lib/index.js":                    "module.exports = 1\n",
		"node_modules/a/node_modules/b/package.json":     `{"name":"b","version":"2.0.0"}`,
		"node_modules/a/node_modules/b/index.js":         "module.exports = 2\n",
		"node_modules/@scope/c/package.json":             `{"name":"@scope/c","version":"3.0.0"}`,
		"node_modules/@scope/c/dist/very/deep/thing.mjs": "export default 3\n",
	}
	npmEpoch := time.Date(1985, 10, 26, 8, 15, 0, 0, time.UTC)
	for rel, body := range files {
		p := filepath.Join(app, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		if filepath.Base(rel) != ".package-lock.json" {
			require.NoError(t, os.Chtimes(p, npmEpoch, npmEpoch))
		}
	}
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules/.bin"), 0o755))
	require.NoError(t, os.Symlink("../a/cli.js", filepath.Join(app, "node_modules/.bin/a")))
	return app
}

// TestSavedListingIsWhatTheInstallLeft: what the build does after the
// listing (a package.json edited in place, a build cache added) does not
// reach the save; package code is linked, symlinks kept.
func TestSavedListingIsWhatTheInstallLeft(t *testing.T) {
	app := installedApp(t)
	st := cache.NodeModules(t.TempDir())
	l, err := list(st, app, []string{"node_modules"})
	require.NoError(t, err)
	assert.Equal(t, 8, l.files)

	// The build script runs.
	pj := filepath.Join(app, "node_modules/a/package.json")
	require.NoError(t, os.WriteFile(pj, []byte(`{"name":"a","version":"1.0.0","edited":true}`), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules/.cache/tool"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "node_modules/.cache/tool/x"), []byte("cache"), 0o644))

	key := Key{Format: 1, Stack: "scalingo-26", Files: map[string]string{"package-lock.json": "abc"}}
	require.NoError(t, saveListed(st, app, key, l))
	m := load(t, st)
	assert.Equal(t, []string{"node_modules"}, m.Tree)
	assert.Equal(t, key, m.Key)

	saved := filepath.Join(st.Tree(), "node_modules")
	b, err := os.ReadFile(filepath.Join(saved, "a/package.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"name":"a","version":"1.0.0","bin":"cli.js"}`, string(b), "the listed content, not the edit")
	assert.NoDirExists(t, filepath.Join(saved, ".cache"), "files made after the listing are not saved")
	target, err := os.Readlink(filepath.Join(saved, ".bin/a"))
	require.NoError(t, err)
	assert.Equal(t, "../a/cli.js", target)
	for _, rel := range []string{"a/lib/index.js", "a/node_modules/b/index.js", "@scope/c/dist/very/deep/thing.mjs"} {
		a, err := os.Stat(filepath.Join(app, "node_modules", rel))
		require.NoError(t, err)
		s, err := os.Stat(filepath.Join(saved, rel))
		require.NoError(t, err)
		assert.True(t, os.SameFile(a, s), "%s is linked", rel)
	}
	a, err := os.Stat(filepath.Join(app, "node_modules/.package-lock.json"))
	require.NoError(t, err)
	s, err := os.Stat(filepath.Join(saved, ".package-lock.json"))
	require.NoError(t, err)
	assert.False(t, os.SameFile(a, s), "npm's hidden lockfile is copied")
	assert.Equal(t, a.ModTime(), s.ModTime())

	// A linked file rewritten in place after the listing is found by the
	// check, against the listing's newest time.
	f, err := os.OpenFile(filepath.Join(app, "node_modules/a/lib/index.js"), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString("// patched\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	rel, err := st.CheckSharedSince(l.newest, nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.FromSlash("node_modules/a/lib/index.js"), rel)
	assert.NoDirExists(t, st.Dir(), "the save is dropped")
}

// TestSavedListingStopsOnRemovedOrReplacedFiles: a listed file the build
// removed or replaced stops the save; the previous save stays.
func TestSavedListingStopsOnRemovedOrReplacedFiles(t *testing.T) {
	for name, change := range map[string]func(app string) error{
		"removed": func(app string) error {
			return os.RemoveAll(filepath.Join(app, "node_modules/@scope/c/dist"))
		},
		"replaced": func(app string) error {
			tmp := filepath.Join(app, "node_modules/a/lib/.index.js.tmp")
			if err := os.WriteFile(tmp, []byte("module.exports = 'generated'\n"), 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, filepath.Join(app, "node_modules/a/lib/index.js"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			app := installedApp(t)
			st := cache.NodeModules(t.TempDir())
			before := Key{Format: 1, Stack: "before"}
			require.NoError(t, saveListed(st, app, before, mustList(t, st, app)))

			l := mustList(t, st, app)
			require.NoError(t, change(app))
			err := saveListed(st, app, Key{Format: 1, Stack: "after"}, l)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "was "+name+" during the build")
			assert.Equal(t, before, load(t, st).Key, "the previous save stays")
		})
	}
}

func mustList(t *testing.T, st cache.Store, app string) listing {
	t.Helper()
	l, err := list(st, app, []string{"node_modules"})
	require.NoError(t, err)
	return l
}

// load reads the saved manifest of st, which must be usable.
func load(t *testing.T, st cache.Store) manifest {
	t.Helper()
	var m manifest
	require.Equal(t, cache.Result{Status: cache.Hit}, st.Open(&m, func() ([]string, error) { return nil, m.check(st) }))
	return m
}

// TestBackgroundSaveOnlyWhereLinksWork: a cache on another filesystem than
// the app is saved at once, by copies (here /dev/shm against the test's
// temporary directory, when they differ).
func TestBackgroundSaveOnlyWhereLinksWork(t *testing.T) {
	app := t.TempDir()
	assert.True(t, linkable(filepath.Join(t.TempDir(), "node"), app))
	shm, err := os.MkdirTemp("/dev/shm", "kiln-test-")
	if err == nil {
		t.Cleanup(func() { os.RemoveAll(shm) })
	}
	if err != nil || cache.SameFilesystem(shm, app) {
		// CI's machines have a tmpfs /dev/shm apart from /tmp.
		if os.Getenv("CI") == "true" {
			t.Fatal("no /dev/shm on another filesystem than the temporary directory (CI=true: this test must run)")
		}
		t.Skip("no /dev/shm on another filesystem than the temporary directory")
	}
	assert.False(t, linkable(filepath.Join(shm, "node"), app))
}
