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
	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// assertSpareIsSaved checks that the spare of the dependency cache at root
// is the saved tree: the same entries, the same symlink targets, package
// code as hard links of the saved files and the files a build may rewrite
// as copies with the saved content.
func assertSpareIsSaved(t *testing.T, root string) {
	t.Helper()
	cache := depCache{root: root}
	saved := filepath.Join(cache.store().Tree(), "node_modules")
	spare := filepath.Join(cache.spare(), "node_modules")
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
		case want.Mode().IsRegular() && mutableFile(filepath.ToSlash(rel)):
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

// pruneCompiler is a compiler for app whose plan moves devDependencies out
// first, as planned for npm with a v2+ lockfile.
func pruneCompiler(app, discard string, out *bytes.Buffer) *compiler {
	ctx := &buildpack.Context{AppDir: app, DiscardDir: discard, Log: buildpack.NewLogger(out, nil)}
	return &compiler{ctx: ctx, log: ctx.Log, env: buildpack.Env{},
		plan: buildpack.Plan{Settings: map[string]string{setLockfile: "package-lock.json", setPruneFirst: "yes"}}}
}

// inode returns the inode identity of path.
func inode(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	return fi
}

// pinned is inode for a directory the test expects to be removed: it stays
// open until the test ends, so that its inode number cannot be given to a
// new directory (which would make os.SameFile report the new one as it).
func pinned(t *testing.T, path string) os.FileInfo {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return inode(t, path)
}

// warmRestore saves pruneApp's tree in a new cache, then restores it into
// a new app with the same lockfile, as the install step of a warm build
// whose prune moves devDependencies first (discard is its discard
// directory). It returns the cache root, the app's lockfile and the warm
// build's compiler, whose next spare waits for the prune.
func warmRestore(t *testing.T, discard string) (string, []byte, *compiler) {
	t.Helper()
	root := t.TempDir()
	first := pruneApp(t)
	var out bytes.Buffer
	c := pruneCompiler(first, "", &out)
	c.saveDependencies(depCache{root: root}, depKey{Format: depKeyFormat}, nil)
	c.background.Wait()
	// Everything the build may change must be newer than the spare.
	time.Sleep(2 * touchMargin)

	app := t.TempDir()
	lock, err := os.ReadFile(filepath.Join(first, "package-lock.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), lock, 0o644))
	c = pruneCompiler(app, discard, &out)
	require.True(t, c.restoreDependencies(depCache{root: root}, depKey{Format: depKeyFormat}, buildpack.Step{Command: []string{"npm", "ci"}}))
	require.NotNil(t, c.devSpare, "the next spare waits for the devDependencies")
	c.sharedDeps = &depCache{root: root}
	return root, lock, c
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
	changed := pinned(t, filepath.Join(nm, "mkdirp"))

	check := c.checkSharedDependencies() // the build is over
	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.count)
	assert.Equal(t, 3, m.kept, "all three went into the next spare")
	assert.Empty(t, m.dir, "nothing was discarded")
	c.finishDevSpare()
	check()
	c.background.Wait()

	assertSpareIsSaved(t, root)
	spare := filepath.Join(depCache{root: root}.spare(), "node_modules")
	assert.True(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "express", "node_modules", "ms"))), "the untouched package is recycled")
	assert.False(t, os.SameFile(changed, inode(t, filepath.Join(spare, "mkdirp"))), "the changed package is linked again")
	assert.NoDirExists(t, filepath.Join(nm, "mkdirp"))
	left, err := os.ReadDir(discard)
	require.NoError(t, err)
	assert.Empty(t, left)

	// The next restore takes it.
	ok, _, next := restoreWith(t, root, depKey{Format: depKeyFormat})
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
	c := pruneCompiler(app, t.TempDir(), &out)
	c.saveDependenciesInBackground(depCache{root: root}, depKey{Format: depKeyFormat})
	require.NotNil(t, c.devSpare)
	untouched := inode(t, filepath.Join(app, "node_modules", "mkdirp"))
	require.NoError(t, os.WriteFile(filepath.Join(app, "node_modules", "@types", "ms", "built.js"), nil, 0o644))

	lock, err := os.ReadFile(filepath.Join(app, "package-lock.json"))
	require.NoError(t, err)
	c.awaitDependencySave()
	c.sharedDeps = &depCache{root: root}
	check := c.checkSharedDependencies()
	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.kept)
	c.finishDevSpare()
	check()
	c.background.Wait()

	assertSpareIsSaved(t, root)
	spare := filepath.Join(depCache{root: root}.spare(), "node_modules")
	assert.True(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "mkdirp"))), "npm's own directory is recycled")
	assert.NoFileExists(t, filepath.Join(spare, "@types", "ms", "built.js"))
}

// TestSpareDroppedDuringPrune: when the check of the saved tree drops the
// store (the build rewrote a saved file in place), the prune moves the
// devDependencies to the discard directory and no spare is left.
func TestSpareDroppedDuringPrune(t *testing.T) {
	discard := t.TempDir()
	root, lock, c := warmRestore(t, discard)
	<-c.devSpare.ready
	require.NoError(t, depCache{root: root}.store().Drop())

	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.count)
	assert.Zero(t, m.kept)
	assert.Equal(t, discard, filepath.Dir(m.dir))
	c.finishDevSpare()
	c.background.Wait()
	assert.NoDirExists(t, depCache{root: root}.dir())
	left, err := os.ReadDir(root)
	require.NoError(t, err)
	assert.Empty(t, left, "no leftovers of the dropped store or of the spare")
}

// TestUnfilledSpareIsCompletedFromTheSavedTree: a build that ends before
// its prune (a failed build script) still leaves a complete spare.
func TestUnfilledSpareIsCompletedFromTheSavedTree(t *testing.T) {
	root, _, c := warmRestore(t, "")
	c.finishDevSpare()
	c.background.Wait()
	assertSpareIsSaved(t, root)
}

func TestHoleOf(t *testing.T) {
	ds := &devSpare{holes: map[string]bool{"node_modules/a": true, "node_modules/@s/b": true, "node_modules/p/node_modules/c": true}}
	for rel, want := range map[string]string{
		"node_modules/a":                          "node_modules/a",
		"node_modules/a/lib/x.js":                 "node_modules/a",
		"node_modules/a/node_modules/z":           "node_modules/a",
		"node_modules/ab/index.js":                "",
		"node_modules/@s/b/package.json":          "node_modules/@s/b",
		"node_modules/@s":                         "",
		"node_modules/@s/bb":                      "",
		"node_modules/p/index.js":                 "",
		"node_modules/p/node_modules/c/lib/index": "node_modules/p/node_modules/c",
		"node_modules/.bin/a":                     "",
	} {
		assert.Equal(t, want, ds.holeOf(rel), rel)
	}
}

// backdated sets the modification time of path an hour back after a
// change (err is the change's), as a program hiding it could.
func backdated(path string, err error) error {
	if err != nil {
		return err
	}
	old := time.Now().Add(-time.Hour)
	return os.Chtimes(path, old, old)
}

// TestMarkChanged: what the check of the saved tree listed is looked up in
// the filled holes by change time: a file added or removed in a directory,
// a package.json rewritten in place (its modification time set back, as cp
// -p does) count; package code written in place is the check's business;
// without a complete listing every filled hole counts as changed.
func TestMarkChanged(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(pkg string) error
		changed bool
	}{
		{"nothing", func(string) error { return nil }, false},
		{"code written in place", func(pkg string) error { return os.WriteFile(filepath.Join(pkg, "lib", "index.js"), []byte("x"), 0o644) }, false},
		{"a file added", func(pkg string) error {
			return backdated(filepath.Join(pkg, "lib"), os.WriteFile(filepath.Join(pkg, "lib", "added.js"), nil, 0o644))
		}, true},
		{"a file removed", func(pkg string) error {
			return backdated(filepath.Join(pkg, "lib"), os.Remove(filepath.Join(pkg, "lib", "index.js")))
		}, true},
		{"package.json rewritten, time set back", func(pkg string) error {
			p := filepath.Join(pkg, "package.json")
			return backdated(p, os.WriteFile(p, []byte(`{"edited":1}`), 0o644))
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			part, err := treecache.StartSpare(filepath.Join(tmp, "spare"))
			require.NoError(t, err)
			pkg := filepath.Join(part.Dir(), "node_modules", "p")
			require.NoError(t, os.MkdirAll(filepath.Join(pkg, "lib"), 0o755))
			for _, f := range []string{"package.json", "lib/index.js"} {
				require.NoError(t, os.WriteFile(filepath.Join(pkg, f), []byte("{}"), 0o644))
			}
			// since falls between the spare and the build's change, more
			// than a tick of the kernel's file clock apart.
			time.Sleep(20 * time.Millisecond)
			since := time.Now()
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, tc.change(pkg))

			spare := func() *devSpare {
				return &devSpare{holes: map[string]bool{"node_modules/p": true}, since: since, part: part,
					filled: map[string]bool{"node_modules/p": true}, changed: map[string]bool{}, listed: make(chan struct{}),
					entries: []string{"node_modules/p", "node_modules/p/lib", "node_modules/p/package.json"}}
			}
			ds := spare()
			ds.endListing(true)
			ds.endListing(false) // the first end counts
			ds.markChanged()
			assert.Equal(t, tc.changed, ds.changed["node_modules/p"])

			ds = spare()
			ds.endListing(false)
			ds.markChanged()
			assert.True(t, ds.changed["node_modules/p"], "no complete listing: changed")
		})
	}
}

// TestBuildKilledDuringPrune: a build killed while its prune filled the
// next spare leaves that spare under its temporary name; the next build
// removes it and restores the saved tree link by link.
func TestBuildKilledDuringPrune(t *testing.T) {
	root, _, c := warmRestore(t, t.TempDir())
	app := c.ctx.AppDir
	<-c.devSpare.ready
	src := filepath.Join(app, "node_modules", "mkdirp")
	require.True(t, c.devSpare.fill(src, "node_modules/mkdirp", inode(t, src)))
	// Killed here: no finish, no spare under its name.
	deps := depCache{root: root}.dir()
	assert.NoDirExists(t, depCache{root: root}.spare())

	ok, _, next := restoreWith(t, root, depKey{Format: depKeyFormat})
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
	c.finishDevSpare()
	check := c.checkSharedDependencies()
	check()
	c.endDevSpare() // the end of the build: the check's listing counts
	c.background.Wait()
	assertSpareIsSaved(t, root)
	spare := filepath.Join(depCache{root: root}.spare(), "node_modules")
	assert.True(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "mkdirp"))), "recycled after the later check")

	root, lock, c = warmRestore(t, t.TempDir())
	untouched = pinned(t, filepath.Join(c.ctx.AppDir, "node_modules", "mkdirp"))
	_, err = c.moveDevPackages(lock)
	require.NoError(t, err)
	c.finishDevSpare()
	c.endDevSpare() // failed before its check
	c.background.Wait()
	assertSpareIsSaved(t, root)
	spare = filepath.Join(depCache{root: root}.spare(), "node_modules")
	assert.False(t, os.SameFile(untouched, inode(t, filepath.Join(spare, "mkdirp"))), "no listing: linked again")
}
