package php

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	kcache "github.com/kiln-dev/kiln/buildpack/cache"
)

// spareFixture saves a vendor/ of three files (a package file, linked, and
// two of Composer's, copied) and returns the cache and its manifest.
func spareFixture(t *testing.T) (vendorCache, vendorManifest) {
	t.Helper()
	cache := newVendorCache(t.TempDir())
	app := t.TempDir()
	for _, f := range []string{"php/bin/php", "composer/bin/composer", "composer/installed.json", "autoload.php", "acme/lib/a.php"} {
		p := filepath.Join(app, "vendor", f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(f), 0o644))
	}
	_, err := cache.save(app, vendorKey{Format: vendorKeyFormat}, nil)
	require.NoError(t, err)
	m, err := cache.load()
	require.NoError(t, err)
	return cache, m
}

// runtimeVendor returns an app whose vendor/ holds kiln's runtime paths.
func runtimeVendor(t *testing.T) string {
	t.Helper()
	app := t.TempDir()
	for _, f := range []string{"php/bin/php", "nginx/sbin/nginx", "apm/agent.so", "composer/bin/composer"} {
		p := filepath.Join(app, "vendor", f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("kiln "+f), 0o755))
	}
	return app
}

// vendorFiles lists the regular files under app's vendor/ with their contents.
func vendorFiles(t *testing.T, app string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := filepath.Join(app, "vendor")
	require.NoError(t, filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	}))
	return out
}

// leftovers lists the temporary spares in the store's directory.
func leftovers(t *testing.T, cache vendorCache) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(cache.dir(), spareTmpPrefix+"*"))
	require.NoError(t, err)
	return m
}

func TestVendorSpareRestore(t *testing.T) {
	cache, m := spareFixture(t)
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	assert.DirExists(t, cache.spare())
	assert.Empty(t, leftovers(t, cache))

	// With the spare: taken by renames, merged with kiln's runtime paths,
	// which keep their contents.
	app := runtimeVendor(t)
	n, spare, err := cache.restore(app, m)
	require.NoError(t, err)
	assert.True(t, spare)
	assert.Equal(t, 3, n)
	assert.Equal(t, map[string]string{
		"php/bin/php": "kiln php/bin/php", "nginx/sbin/nginx": "kiln nginx/sbin/nginx", "apm/agent.so": "kiln apm/agent.so",
		"composer/bin/composer":   "kiln composer/bin/composer",
		"composer/installed.json": "composer/installed.json", "autoload.php": "autoload.php", "acme/lib/a.php": "acme/lib/a.php",
	}, vendorFiles(t, app))
	assertSameFile(t, true, filepath.Join(cache.tree(), "acme/lib/a.php"), filepath.Join(app, "vendor/acme/lib/a.php"))
	for _, f := range []string{"autoload.php", "composer/installed.json"} {
		assertSameFile(t, false, filepath.Join(cache.tree(), f), filepath.Join(app, "vendor", f))
	}
	assert.NoDirExists(t, cache.spare())
	assert.Empty(t, leftovers(t, cache))

	// Without a spare (taken): linked file by file, same result.
	app2 := runtimeVendor(t)
	n, spare, err = cache.restore(app2, m)
	require.NoError(t, err)
	assert.False(t, spare)
	assert.Equal(t, 3, n)
	assert.Equal(t, vendorFiles(t, app), vendorFiles(t, app2))

	// Into an app without vendor/ (the system runtime): vendor/composer is
	// taken whole.
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	app3 := t.TempDir()
	_, spare, err = cache.restore(app3, m)
	require.NoError(t, err)
	assert.True(t, spare)
	assert.Equal(t, map[string]string{"composer/installed.json": "composer/installed.json", "autoload.php": "autoload.php",
		"acme/lib/a.php": "acme/lib/a.php"}, vendorFiles(t, app3))
}

func TestVendorSpareConflictsAndFailures(t *testing.T) {
	cache, m := spareFixture(t)
	kiln := vendorFiles(t, runtimeVendor(t))

	// A file of the tree already in the app (inside vendor/composer, which
	// the top-level check lets through): nothing is placed, the spare is
	// discarded and the restore fails as the link-by-link one would.
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	app := runtimeVendor(t)
	require.NoError(t, os.WriteFile(filepath.Join(app, "vendor/composer/installed.json"), []byte("app's"), 0o644))
	_, _, err := cache.restore(app, m)
	require.Error(t, err)
	got := vendorFiles(t, app)
	for f, body := range kiln {
		assert.Equal(t, body, got[f], f)
	}
	assert.NotContains(t, got, "acme/lib/a.php")
	assert.NotContains(t, got, "autoload.php")
	assert.NoDirExists(t, cache.spare())
	assert.Empty(t, leftovers(t, cache))

	// A rename failing part way: what was placed is removed, the spare is
	// discarded, and the restore links the tree instead.
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	calls := 0
	cache.rename = func(from, to string) error {
		if calls++; calls == 2 {
			return errors.New("injected")
		}
		return os.Rename(from, to)
	}
	app = runtimeVendor(t)
	require.Error(t, cache.takeSpare(filepath.Join(app, "vendor")))
	assert.Equal(t, kiln, vendorFiles(t, app), "only kiln's paths are left")
	assert.NoDirExists(t, cache.spare())
	assert.Empty(t, leftovers(t, cache))

	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	calls = 0
	n, spare, err := cache.restore(app, m)
	require.NoError(t, err)
	assert.False(t, spare)
	assert.Equal(t, 3, n)
	assert.Len(t, vendorFiles(t, app), len(kiln)+3)
	assert.NoDirExists(t, cache.spare())

	// A spare holding one of kiln's paths is not taken.
	cache.rename = nil
	require.NoError(t, os.MkdirAll(filepath.Join(cache.spare(), "php/bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cache.spare(), "php/bin/php"), []byte("not kiln's"), 0o755))
	app = runtimeVendor(t)
	_, spare, err = cache.restore(app, m)
	require.NoError(t, err)
	assert.False(t, spare)
	assert.Equal(t, "kiln php/bin/php", vendorFiles(t, app)["php/bin/php"])
}

func TestVendorSpareLeftoversAndAbandon(t *testing.T) {
	cache, m := spareFixture(t)

	// An abandoned fill leaves neither a spare nor a temporary one.
	stop := new(atomic.Bool)
	stop.Store(true)
	assert.ErrorIs(t, cache.fillSpare(stop), errSpareStopped)
	assert.NoDirExists(t, cache.spare())
	assert.Empty(t, leftovers(t, cache))

	// What killed builds leave (a spare being built, or being taken) is
	// removed; the complete spare stays and is taken.
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	for _, d := range []string{spareTmpPrefix + "1/t/acme/lib", spareTmpPrefix + "2/t/composer"} {
		require.NoError(t, os.MkdirAll(filepath.Join(cache.dir(), d), 0o755))
	}
	kcache.Sweep(filepath.Dir(cache.store.Root)) // the engine's sweep of CACHE_DIR
	assert.Empty(t, leftovers(t, cache))
	_, spare, err := cache.restore(t.TempDir(), m)
	require.NoError(t, err)
	assert.True(t, spare)

	// A new spare replaces an old one whole.
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	require.NoError(t, os.WriteFile(filepath.Join(cache.spare(), "stale.php"), nil, 0o644))
	require.NoError(t, cache.fillSpare(new(atomic.Bool)))
	assert.NoFileExists(t, filepath.Join(cache.spare(), "stale.php"))
	assert.Empty(t, leftovers(t, cache))
}

func TestVendorCacheBuildsTakeTheSpare(t *testing.T) {
	cache := t.TempDir()
	files := map[string]string{"composer.json": `{"require": {"acme/lib": "^1"}}`, "composer.lock": keyComposerLock}
	installs := 0
	b := compileSystemCache(t, files, nil, fakeInstall(t, &installs), cache)
	require.NoError(t, b.err, b.out.String())
	spare := filepath.Join(cache, "php/vendor/spare")
	assert.DirExists(t, spare, "the save's spare is ready when Compile returns")

	for range 2 {
		b = compileSystemCache(t, files, nil, fakeInstall(t, &installs), cache)
		require.NoError(t, b.err, b.out.String())
		assert.Contains(t, b.out.String(), "restored vendor/ (4 files) from its ready-made copy in ")
		assert.Equal(t, 1, installs)
		assert.DirExists(t, spare, "a new spare is linked while the build goes on")
		assertSameFile(t, true, filepath.Join(cache, "php/vendor/tree/acme/lib/src/Lib.php"), filepath.Join(b.app, "vendor/acme/lib/src/Lib.php"))
		tmp, _ := filepath.Glob(filepath.Join(cache, "php/vendor", spareTmpPrefix+"*"))
		assert.Empty(t, tmp)
	}

	// Without the spare, the build links the tree file by file.
	require.NoError(t, os.RemoveAll(spare))
	b = compileSystemCache(t, files, nil, fakeInstall(t, &installs), cache)
	require.NoError(t, b.err, b.out.String())
	assert.Contains(t, b.out.String(), "restored vendor/ (4 files) in ")
	assert.Equal(t, 1, installs)

	// A compile command that rewrites a linked package file in place drops
	// the whole store, spare included, once the spare is done.
	files["composer.json"] = `{"require": {"acme/lib": "^1"}, "extra": {"paas": {"compile": ["patch"]}}}`
	stub := fakeInstall(t, &installs)
	patch := false
	build := func() {
		b = compileSystemCache(t, files, nil, func(c buildpack.Cmd) error {
			if slices.Contains(c.Args, "patch") && patch {
				fh, err := os.OpenFile(filepath.Join(c.Dir, "vendor/acme/lib/src/Lib.php"), os.O_WRONLY|os.O_APPEND, 0)
				require.NoError(t, err)
				_, _ = fh.WriteString("// patched")
				return fh.Close()
			}
			return stub(c)
		}, cache)
		require.NoError(t, b.err, b.out.String())
	}
	build()
	assert.DirExists(t, spare)
	patch = true
	build()
	assert.Contains(t, b.out.String(), "from its ready-made copy")
	if assert.Contains(t, b.out.String(), "The build changed vendor/acme/lib/src/Lib.php in place") {
		assert.NoDirExists(t, filepath.Join(cache, "php/vendor"))
	}
}
