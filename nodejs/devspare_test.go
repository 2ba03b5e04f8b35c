package nodejs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	kcache "github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/nodejs/depcache"
)

// assertSpareIsSaved checks that the spare of the dependency cache in the
// build cache cacheDir is the saved tree: the same entries, the same
// symlink targets, package code as hard links of the saved files and the
// files a build may rewrite as copies with the saved content.
func assertSpareIsSaved(t *testing.T, cacheDir string) {
	t.Helper()
	st := kcache.NodeModules(cacheDir)
	saved := filepath.Join(st.Tree(), "node_modules")
	spare := filepath.Join(st.Spare("").Path, "node_modules")
	entries := 0
	require.NoError(t, filepath.WalkDir(saved, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(saved, p)
		entries++
		want, err := os.Lstat(p)
		require.NoError(t, err)
		got, err := os.Lstat(filepath.Join(spare, rel))
		if !assert.NoError(t, err, "the spare lacks %s", rel) {
			return nil
		}
		assert.Equal(t, want.Mode().Type(), got.Mode().Type(), rel)
		switch {
		case want.Mode()&fs.ModeSymlink != 0:
			a, _ := os.Readlink(p)
			b, _ := os.Readlink(filepath.Join(spare, rel))
			assert.Equal(t, a, b, rel)
		case want.Mode().IsRegular() && st.Copied("node_modules/"+filepath.ToSlash(rel)):
			assert.False(t, os.SameFile(want, got), "%s is a copy", rel)
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(filepath.Join(spare, rel))
			assert.Equal(t, string(a), string(b), rel)
		case want.Mode().IsRegular():
			assert.True(t, os.SameFile(want, got), "%s is linked", rel)
		}
		return nil
	}))
	spareEntries := 0
	require.NoError(t, filepath.WalkDir(spare, func(string, fs.DirEntry, error) error { spareEntries++; return nil }))
	assert.Equal(t, entries, spareEntries, "the spare holds nothing more than the saved tree")
}

// pruneCompiler is a compiler for app with the build cache cacheDir, whose
// plan moves devDependencies out first, as planned for npm with a v2+
// lockfile.
func pruneCompiler(app, cacheDir, discard string, out *bytes.Buffer) *compiler {
	ctx := &buildpack.Context{AppDir: app, CacheDir: cacheDir, DiscardDir: discard, Log: buildpack.NewLogger(out, nil)}
	c := &compiler{ctx: ctx, log: ctx.Log, env: buildpack.Env{},
		set: settings{Lockfile: "package-lock.json", PruneFirst: true}}
	c.deps = depcache.New(depcache.Options{App: app, CacheDir: cacheDir, Log: ctx.Log, DevDirs: c.devDirs()})
	return c
}

// restoreWith runs the restore decision of an install step against the
// build cache cacheDir, as the next build would (after the engine's sweep),
// and returns whether it restored, what it printed and the app.
func restoreWith(t *testing.T, cacheDir string, key depcache.Key) (bool, string, string) {
	t.Helper()
	var out bytes.Buffer
	app := t.TempDir()
	kcache.Sweep(cacheDir)
	s := depcache.New(depcache.Options{App: app, CacheDir: cacheDir, Log: buildpack.NewLogger(&out, nil)})
	ok := s.Restore(key, []string{"npm", "ci"})
	s.Close()
	return ok, out.String(), app
}

// touchMargin is the margin the dependency cache allows the kernel's file
// clock (depcache's own is unexported).
const touchMargin = 50 * time.Millisecond

// inode returns the inode identity of path, and keeps the inode open until
// the test ends: a directory the build removes would otherwise free its
// inode number, which the filesystem may give to the directory linked in its
// place, and os.SameFile would then see the old directory in the new one.
func inode(t *testing.T, path string) os.FileInfo {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	fi, err := f.Stat()
	require.NoError(t, err)
	return fi
}

// warmRestore saves pruneApp's tree in a new cache, then restores it into
// a new app with the same lockfile, as the install step of a warm build
// whose prune moves devDependencies first (discard is its discard
// directory). It returns the build cache, the app's lockfile and the warm
// build's compiler, whose next spare waits for the prune.
func warmRestore(t *testing.T, discard string) (string, []byte, *compiler) {
	t.Helper()
	cacheDir := t.TempDir()
	first := pruneApp(t)
	var out bytes.Buffer
	c := pruneCompiler(first, cacheDir, "", &out)
	c.deps.SaveNow(depcache.Key{Format: depcache.KeyFormat}, nil)
	c.deps.Close()
	// Everything the build may change must be newer than the spare.
	time.Sleep(2 * touchMargin)

	app := t.TempDir()
	lock, err := os.ReadFile(filepath.Join(first, "package-lock.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), lock, 0o644))
	c = pruneCompiler(app, cacheDir, discard, &out)
	require.True(t, c.deps.Restore(depcache.Key{Format: depcache.KeyFormat}, []string{"npm", "ci"}))
	require.True(t, c.deps.WaitsForPrune(), "the next spare waits for the devDependencies")
	return cacheDir, lock, c
}

// TestWarmPruneFillsTheNextSpare: a warm build restores node_modules from
// the spare; its prune moves the devDependencies into the holes of the next
// spare. A package the build did not touch is kept as it was moved (same
// directory); one with a file added and one whose package.json was
// rewritten in place are linked again from the saved tree. The finished
// spare is the saved tree, and nothing waits in the discard directory.
func TestWarmPruneFillsTheNextSpare(t *testing.T) {
	discard := t.TempDir()
	root, lock, c := warmRestore(t, discard)
	app := c.ctx.AppDir

	// The build: a file added to one devDependency (its directory's
	// modification time set back), a package.json rewritten in place in
	// another, the third left alone.
	nm := filepath.Join(app, "node_modules")
	require.NoError(t, os.WriteFile(filepath.Join(nm, "mkdirp", "added.js"), []byte("x"), 0o644))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(nm, "mkdirp"), old, old))
	f, err := os.OpenFile(filepath.Join(nm, "@types", "ms", "package.json"), os.O_WRONLY|os.O_TRUNC, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"patched":true}`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	untouched := inode(t, filepath.Join(nm, "express", "node_modules", "ms"))
	changed := inode(t, filepath.Join(nm, "mkdirp"))

	c.deps.StartCheck() // the build is over
	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.count)
	assert.Equal(t, 3, m.kept, "all three went into the next spare")
	assert.Empty(t, m.dir, "nothing was discarded")
	c.deps.PruneDone()
	c.deps.EndCheck()
	c.deps.Close()

	assertSpareIsSaved(t, root)
	spare := filepath.Join(kcache.NodeModules(root).Spare("").Path, "node_modules")
	assert.True(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "express", "node_modules", "ms"))), "the untouched package is recycled")
	assert.False(t, os.SameFile(changed, inode(t, filepath.Join(spare, "mkdirp"))), "the changed package is linked again")
	assert.NoDirExists(t, filepath.Join(nm, "mkdirp"))
	left, err := os.ReadDir(discard)
	require.NoError(t, err)
	assert.Empty(t, left)

	// The next restore takes it.
	ok, _, next := restoreWith(t, root, depcache.Key{Format: depcache.KeyFormat})
	require.True(t, ok)
	b, err := os.ReadFile(filepath.Join(next, "node_modules", "@types", "ms", "package.json"))
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b), "the saved package.json, not the build's")
	assert.NoFileExists(t, filepath.Join(next, "node_modules", "mkdirp", "added.js"))
}

// TestFirstBuildPruneFillsTheSpare: after an install, the tree is listed
// and saved in the background; the spare is linked without the
// devDependencies, which the prune moves in (npm's directories are older
// than the listing).
func TestFirstBuildPruneFillsTheSpare(t *testing.T) {
	root := t.TempDir()
	app := pruneApp(t)
	time.Sleep(2 * touchMargin) // npm's directories are older than the listing
	var out bytes.Buffer
	c := pruneCompiler(app, root, t.TempDir(), &out)
	c.deps.Save(depcache.Key{Format: depcache.KeyFormat})
	require.True(t, c.deps.WaitsForPrune())
	untouched := inode(t, filepath.Join(app, "node_modules", "mkdirp"))
	require.NoError(t, os.WriteFile(filepath.Join(app, "node_modules", "@types", "ms", "built.js"), nil, 0o644))

	lock, err := os.ReadFile(filepath.Join(app, "package-lock.json"))
	require.NoError(t, err)
	c.deps.AwaitSave()
	c.deps.StartCheck()
	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.kept)
	c.deps.PruneDone()
	c.deps.EndCheck()
	c.deps.Close()

	assertSpareIsSaved(t, root)
	spare := filepath.Join(kcache.NodeModules(root).Spare("").Path, "node_modules")
	assert.True(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "mkdirp"))), "npm's own directory is recycled")
	assert.NoFileExists(t, filepath.Join(spare, "@types", "ms", "built.js"))
}

// TestSpareDroppedDuringPrune: when the check of the saved tree drops the
// store (the build rewrote a saved file in place), the prune moves the
// devDependencies to the discard directory and no spare is left.
func TestSpareDroppedDuringPrune(t *testing.T) {
	discard := t.TempDir()
	root, lock, c := warmRestore(t, discard)
	f, err := os.OpenFile(filepath.Join(c.ctx.AppDir, "node_modules", "@types", "kept", "bin", "kept.js"), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString("// patched")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	c.deps.StartCheck()
	c.deps.EndCheck()
	require.NoDirExists(t, kcache.NodeModules(root).Dir(), "the check dropped the store")

	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.count)
	assert.Zero(t, m.kept)
	assert.Equal(t, discard, filepath.Dir(m.dir))
	c.deps.PruneDone()
	c.deps.Close()
	assert.NoDirExists(t, kcache.NodeModules(root).Dir())
	left, err := os.ReadDir(filepath.Join(root, "node"))
	require.NoError(t, err)
	assert.Empty(t, left, "no leftovers of the dropped store or of the spare")
}

// TestUnfilledSpareIsCompletedFromTheSavedTree: a build that ends before
// its prune (a failed build script) still leaves a complete spare.
func TestUnfilledSpareIsCompletedFromTheSavedTree(t *testing.T) {
	root, _, c := warmRestore(t, "")
	c.deps.PruneDone()
	c.deps.Close()
	assertSpareIsSaved(t, root)
}

// TestBuildKilledDuringPrune: a build killed while its prune filled the
// next spare leaves that spare under its temporary name; the next build
// removes it and restores the saved tree link by link.
func TestBuildKilledDuringPrune(t *testing.T) {
	root, _, c := warmRestore(t, t.TempDir())
	app := c.ctx.AppDir
	src := filepath.Join(app, "node_modules", "mkdirp")
	require.True(t, c.deps.FillHole(src, "node_modules/mkdirp", inode(t, src)))
	// Killed here: no finish, no spare under its name.
	deps := kcache.NodeModules(root).Dir()
	assert.NoDirExists(t, kcache.NodeModules(root).Spare("").Path)

	ok, _, next := restoreWith(t, root, depcache.Key{Format: depcache.KeyFormat})
	require.True(t, ok)
	for _, f := range []string{"mkdirp/package.json", "mkdirp/bin/cmd.js", "mkdirp/node_modules/minimist/package.json", "@types/ms/package.json", ".bin/mkdirp"} {
		assert.FileExists(t, filepath.Join(next, "node_modules", f))
	}
	entries, err := os.ReadDir(deps)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"key.json", "tree", "spare"}, names, "the killed build's spare is gone")
	assertSpareIsSaved(t, root)
}

// TestSpareWaitsForALaterCheck: with a cleanup script after the prune, the
// check of the saved tree starts after the holes were filled; the spare
// waits for its listing, then keeps the untouched packages. A build that
// ends without a check links them again.
func TestSpareWaitsForALaterCheck(t *testing.T) {
	root, lock, c := warmRestore(t, t.TempDir())
	untouched := inode(t, filepath.Join(c.ctx.AppDir, "node_modules", "mkdirp"))
	_, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	c.deps.PruneDone()
	c.deps.StartCheck()
	c.deps.EndCheck()
	c.deps.Close() // the end of the build: the check's listing counts
	assertSpareIsSaved(t, root)
	spare := filepath.Join(kcache.NodeModules(root).Spare("").Path, "node_modules")
	assert.True(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "mkdirp"))), "recycled after the later check")

	root, lock, c = warmRestore(t, t.TempDir())
	untouched = inode(t, filepath.Join(c.ctx.AppDir, "node_modules", "mkdirp"))
	_, err = c.moveDevPackages(lock)
	require.NoError(t, err)
	c.deps.PruneDone()
	c.deps.Close() // failed before its check
	assertSpareIsSaved(t, root)
	spare = filepath.Join(kcache.NodeModules(root).Spare("").Path, "node_modules")
	assert.False(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "mkdirp"))), "no listing: linked again")
}
