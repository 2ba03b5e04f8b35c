package cachedir

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// fixture is a cache root with apps/ and runtimes/.
type fixture struct {
	t      *testing.T
	layout Layout
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	root := t.TempDir()
	return &fixture{t: t, layout: Layout{Apps: filepath.Join(root, "apps"), Store: filepath.Join(root, "runtimes")}, now: time.Now()}
}

// app makes the cache of a new app directory holding size bytes, built
// daysAgo days ago; the app directory is removed when gone.
func (f *fixture) app(name string, size int, daysAgo int, gone bool) (app, dir string) {
	app = filepath.Join(f.t.TempDir(), name)
	require.NoError(f.t, os.MkdirAll(app, 0o755))
	dir = AppCacheDir(f.layout.Apps, app)
	f.file(filepath.Join(dir, "node", "npm-cache", "blob"), size, f.now)
	require.NoError(f.t, WriteAppRecord(dir, app, f.now.AddDate(0, 0, -daysAgo)))
	if gone {
		require.NoError(f.t, os.RemoveAll(app))
	}
	return app, dir
}

// runtime makes a store entry kind/name of size bytes, used daysAgo days ago.
func (f *fixture) runtime(kind, name string, size int, daysAgo int) string {
	dir := filepath.Join(f.layout.Store, kind, name)
	at := f.now.AddDate(0, 0, -daysAgo)
	f.file(filepath.Join(dir, "tree", "bin", "node"), size, at)
	f.file(filepath.Join(dir, cache.ManifestFile), 2, at)
	require.NoError(f.t, os.Chtimes(dir, at, at))
	return dir
}

func (f *fixture) file(path string, size int, mtime time.Time) {
	require.NoError(f.t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(f.t, os.WriteFile(path, make([]byte, size), 0o644))
	require.NoError(f.t, os.Chtimes(path, mtime, mtime))
}

func TestListAppsAndRuntimes(t *testing.T) {
	f := newFixture(t)
	shop, shopDir := f.app("shop", 3000, 2, false)
	old, _ := f.app("old", 1000, 40, true)
	f.runtime("node", "node-24.18.0", 5000, 1)
	f.runtime("php", "php-8.4.22-sha256-0123456789abcdef", 7000, 10)
	f.file(filepath.Join(f.layout.Store, "downloads", "sha256-aa"), 100, f.now)
	f.file(filepath.Join(f.layout.Store, "node", ".node-24.18.0.lock"), 0, f.now)
	// What running builds and removals leave next to the caches is not listed.
	f.file(filepath.Join(f.layout.Apps, "shop-1234.build-99", "x"), 10, f.now)
	f.file(filepath.Join(f.layout.Apps, ".shop-old-1", "x"), 10, f.now)
	// A cache made before kiln recorded its app.
	f.file(filepath.Join(f.layout.Apps, "legacy-abc", "downloads", "x"), 10, f.now)
	three := f.now.AddDate(0, 0, -3)
	require.NoError(t, os.Chtimes(filepath.Join(f.layout.Apps, "legacy-abc"), three, three))

	ls, err := List(f.layout)
	require.NoError(t, err)
	require.Len(t, ls.Apps, 3)
	assert.Equal(t, old, ls.Apps[0].App, "oldest build first")
	assert.True(t, ls.Apps[0].Gone)
	assert.Equal(t, "", ls.Apps[1].App, "an unrecorded cache has no app")
	assert.Equal(t, filepath.Join(f.layout.Apps, "legacy-abc"), ls.Apps[1].Dir)
	assert.Equal(t, shop, ls.Apps[2].App)
	assert.Equal(t, shopDir, ls.Apps[2].Dir)
	assert.False(t, ls.Apps[2].Gone)
	assert.Greater(t, ls.Apps[2].Bytes, int64(3000))
	assert.Equal(t, ls.Apps[0].Bytes+ls.Apps[1].Bytes+ls.Apps[2].Bytes, ls.AppsBytes)

	require.Len(t, ls.Runtimes, 2)
	assert.Equal(t, "php/php-8.4.22-sha256-0123456789abcdef", ls.Runtimes[0].Name, "least recently used first")
	assert.Equal(t, "node/node-24.18.0", ls.Runtimes[1].Name)
	assert.Equal(t, int64(5002), ls.Runtimes[1].Bytes)
	assert.WithinDuration(t, f.now.AddDate(0, 0, -1), ls.Runtimes[1].Used, time.Second)
	assert.Equal(t, int64(100), ls.DownloadBytes)
	assert.Equal(t, int64(7002+5002+100), ls.StoreBytes)
	assert.Equal(t, ls.AppsBytes+ls.StoreBytes, ls.TotalBytes)
}

func TestListMissingDirectories(t *testing.T) {
	root := t.TempDir()
	ls, err := List(Layout{Apps: filepath.Join(root, "apps"), Store: filepath.Join(root, "runtimes")})
	require.NoError(t, err)
	assert.Empty(t, ls.Apps)
	assert.Empty(t, ls.Runtimes)
	assert.Zero(t, ls.TotalBytes)
}

func TestPrune(t *testing.T) {
	f := newFixture(t)
	_, keptDir := f.app("recent", 100, 1, false)
	old, oldDir := f.app("old", 100, 40, false)
	gone, goneDir := f.app("gone", 100, 1, true)
	usedNode := f.runtime("node", "node-24.18.0", 100, 2)
	oldNode := f.runtime("node", "node-20.1.0", 100, 31)
	oldPHP := f.runtime("php", "php-8.2.1-sha256-00", 100, 90)
	f.file(filepath.Join(f.layout.Store, "downloads", "sha256-new"), 10, f.now)
	f.file(filepath.Join(f.layout.Store, "downloads", "sha256-old"), 10, f.now.AddDate(0, 0, -31))
	f.file(filepath.Join(f.layout.Store, "downloads", ".part-1"), 10, f.now.AddDate(0, 0, -31))

	rs, err := Prune(f.layout, f.now.AddDate(0, 0, -30))
	require.NoError(t, err)
	var names []string
	for _, r := range rs {
		names = append(names, r.Kind+" "+r.Name+": "+r.Why)
	}
	assert.ElementsMatch(t, []string{
		"app " + old + ": not built since " + f.now.AddDate(0, 0, -40).Format(time.DateOnly),
		"app " + gone + ": app gone",
		"runtime node/node-20.1.0: not used since " + f.now.AddDate(0, 0, -31).Format(time.DateOnly),
		"runtime php/php-8.2.1-sha256-00: not used since " + f.now.AddDate(0, 0, -90).Format(time.DateOnly),
		"download downloads/sha256-old: downloaded " + f.now.AddDate(0, 0, -31).Format(time.DateOnly),
	}, names)
	assert.Equal(t, int64(10)+2*102+rs[0].Bytes+rs[1].Bytes, Freed(rs))
	for _, p := range []string{oldDir, goneDir, oldNode, oldPHP, filepath.Join(f.layout.Store, "downloads", "sha256-old")} {
		assert.NoDirExists(t, p)
		assert.NoFileExists(t, p)
	}
	for _, p := range []string{keptDir, usedNode} {
		assert.DirExists(t, p)
	}
	assert.FileExists(t, filepath.Join(f.layout.Store, "downloads", ".part-1"), "a download in progress is left")
	left, _ := filepath.Glob(filepath.Join(f.layout.Apps, ".*-old-*"))
	assert.Empty(t, left, "nothing is left aside")
}

func TestPruneSkipsAnEntryUsedWhileWaitingForItsLock(t *testing.T) {
	f := newFixture(t)
	dir := f.runtime("node", "node-20.1.0", 100, 40)
	st, _ := cache.Runtimes{Shared: f.layout.Store}.Node("node-20.1.0")
	unlock, err := st.Lock(false) // a build placing it
	require.NoError(t, err)
	done := make(chan []Removal)
	go func() {
		rs, err := Prune(f.layout, f.now.AddDate(0, 0, -30))
		assert.NoError(t, err)
		done <- rs
	}()
	st.Touch()
	unlock()
	rs := <-done
	// Either the prune listed the entry before the touch and then saw it
	// under the lock, or it listed it after: it is kept either way.
	assert.Empty(t, rs)
	assert.DirExists(t, dir)
}

func TestPruneWaitsForABuildOfTheApp(t *testing.T) {
	f := newFixture(t)
	app, dir := f.app("old", 100, 40, false)
	unlock, err := LockApp(dir, false) // a build using the cache
	require.NoError(t, err)
	done := make(chan []Removal)
	go func() {
		rs, err := Prune(f.layout, f.now.AddDate(0, 0, -30))
		assert.NoError(t, err)
		done <- rs
	}()
	require.NoError(t, WriteAppRecord(dir, app, time.Now())) // the build succeeds
	unlock()
	rs := <-done
	assert.Empty(t, rs, "a cache built while the prune waited is kept")
	assert.DirExists(t, dir)
}

func TestClean(t *testing.T) {
	f := newFixture(t)
	shop, shopDir := f.app("shop", 100, 1, false)
	_, otherDir := f.app("other", 100, 1, false)
	node := f.runtime("node", "node-24.18.0", 100, 0)
	f.file(filepath.Join(f.layout.Store, "headers", "node-v24.18.0-headers.tar.gz"), 10, f.now)

	rs, err := Clean(f.layout, filepath.Join(shop, "..", "shop"))
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, shop, rs[0].Name)
	assert.NoDirExists(t, shopDir)
	assert.DirExists(t, otherDir)
	assert.DirExists(t, node)

	rs, err = Clean(f.layout, shop)
	require.NoError(t, err)
	assert.Empty(t, rs, "nothing left to clean")

	rs, err = Clean(f.layout, "")
	require.NoError(t, err)
	assert.Len(t, rs, 3)
	ls, err := List(f.layout)
	require.NoError(t, err)
	assert.Empty(t, ls.Apps)
	assert.Empty(t, ls.Runtimes)
	assert.Zero(t, ls.DownloadBytes)
}

func TestTrim(t *testing.T) {
	f := newFixture(t)
	_, a1 := f.app("a1", 1000, 5, false)
	_, a2 := f.app("a2", 1000, 3, false)
	_, current := f.app("current", 1000, 9, false) // just built, with an old record
	r1 := f.runtime("node", "node-20.1.0", 1000, 4)
	r2 := f.runtime("node", "node-24.18.0", 1000, 0)
	ls, err := List(f.layout)
	require.NoError(t, err)

	rs, after, err := Trim(f.layout, ls.TotalBytes, current, f.now.Add(-time.Minute))
	require.NoError(t, err)
	assert.Empty(t, rs, "under the limit: nothing removed")
	assert.Equal(t, ls.TotalBytes, after)

	rs, after, err = Trim(f.layout, ls.TotalBytes-1500, current, f.now.Add(-time.Minute))
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, a1, rs[0].Path, "the least recently built first")
	assert.Equal(t, a2, rs[1].Path)
	assert.Equal(t, ls.TotalBytes-Freed(rs), after)
	assert.DirExists(t, current)

	rs, after, err = Trim(f.layout, 1, current, f.now.Add(-time.Minute))
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, r1, rs[0].Path, "then the least recently used runtimes")
	assert.DirExists(t, current, "never the app just built")
	assert.DirExists(t, r2, "never a runtime the build just used")
	assert.Greater(t, after, int64(1))
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"123": 123, "2G": 2 << 30, "500M": 500 << 20, "500m": 500 << 20, "1.5G": 3 << 29,
		"2GB": 2 << 30, "2GiB": 2 << 30, "10K": 10 << 10, "1T": 1 << 40, " 7 ": 7,
	} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "G", "two", "-1G", "0", "NaN", "Inf", "2X", "1e30"} {
		_, err := ParseSize(in)
		assert.Error(t, err, in)
	}
}
