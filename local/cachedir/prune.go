package cachedir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// Removal is one thing a prune or clean removed.
type Removal struct {
	// Kind is "app", "runtime" or "download".
	Kind string `json:"kind"`
	// Name is the app's path (the cache directory when unrecorded), the
	// runtime's name in the store, or the download's file name.
	Name  string `json:"name"`
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	// Why says why it was removed ("app gone", "not built since …").
	Why string `json:"why,omitempty"`
}

// Freed is the total size of removals.
func Freed(rs []Removal) int64 {
	var n int64
	for _, r := range rs {
		n += r.Bytes
	}
	return n
}

// removals collects what a prune, clean or trim removed, and the errors
// it met on the way (each removal is tried).
type removals struct {
	done []Removal
	errs []error
}

// add records the outcome of one removal and reports whether it was done.
func (rs *removals) add(r Removal, removed bool, err error) bool {
	if err != nil {
		rs.errs = append(rs.errs, err)
	}
	if err != nil || !removed {
		return false
	}
	rs.done = append(rs.done, r)
	return true
}

// downloads removes the store's downloads older than cutoff.
func (rs *removals) downloads(l Layout, cutoff time.Time) ([]Removal, error) {
	done, err := removeDownloads(l, cutoff)
	rs.done = append(rs.done, done...)
	return rs.done, errors.Join(append(rs.errs, err)...)
}

// Prune removes the app caches not built since cutoff or whose app
// directory is gone, the runtime store entries not used since cutoff, and
// the store's downloads and headers tarballs older than cutoff. Each cache
// and entry is removed under its exclusive lock, so never while a build
// uses it, and only if no build used it meanwhile.
func Prune(l Layout, cutoff time.Time) ([]Removal, error) {
	ls, err := List(l)
	if err != nil {
		return nil, err
	}
	var rs removals
	for _, a := range ls.Apps {
		switch {
		case a.Gone:
			rs.add(removeApp(l, a, "app gone"))
		case a.Built.Before(cutoff):
			rs.add(removeApp(l, a, "not built since "+a.Built.Local().Format(time.DateOnly)))
		}
	}
	for _, rt := range ls.Runtimes {
		if rt.Used.Before(cutoff) {
			rs.add(dropRuntime(l, rt, cutoff, "not used since "+rt.Used.Local().Format(time.DateOnly)))
		}
	}
	return rs.downloads(l, cutoff)
}

// Clean removes the build cache of the app at path app (and any cache whose
// record names it); with app "", every app cache and every runtime store
// entry and download.
func Clean(l Layout, app string) ([]Removal, error) {
	ls, err := List(l)
	if err != nil {
		return nil, err
	}
	match := func(App) bool { return true }
	if app != "" {
		abs, err := filepath.Abs(app)
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", app, err)
		}
		want := AppCacheDir(l.Apps, abs)
		match = func(a App) bool { return a.Dir == want || a.App == abs }
	}
	var rs removals
	for _, a := range ls.Apps {
		if match(a) {
			rs.add(removeApp(l, a, ""))
		}
	}
	if app != "" {
		return rs.done, errors.Join(rs.errs...)
	}
	for _, rt := range ls.Runtimes {
		rs.add(dropRuntime(l, rt, time.Time{}, ""))
	}
	return rs.downloads(l, time.Time{})
}

// Trim brings the caches under max bytes, if they exceed it, by removing
// the least recently built app caches, except the one at keepApp, then
// the least recently used runtime store entries, except those used since
// keepSince (the build that just ended placed them). It returns what it
// removed and the total size after.
func Trim(l Layout, max int64, keepApp string, keepSince time.Time) ([]Removal, int64, error) {
	ls, err := List(l)
	if err != nil {
		return nil, 0, err
	}
	total := ls.TotalBytes
	var rs removals
	for _, a := range ls.Apps {
		if total > max && filepath.Clean(a.Dir) != filepath.Clean(keepApp) && rs.add(removeApp(l, a, "least recently built")) {
			total -= a.Bytes
		}
	}
	for _, rt := range ls.Runtimes {
		if total > max && rt.Used.Before(keepSince) && rs.add(dropRuntime(l, rt, keepSince, "least recently used")) {
			total -= rt.Bytes
		}
	}
	return rs.done, total, errors.Join(rs.errs...)
}

// removeApp removes an app cache, under its exclusive lock (so never
// while a build uses it), unless it was built since it was listed: moved
// aside first with one rename (a hidden name, which List skips), then
// deleted. The lock file stays (removing it would let a build waiting for
// it and the next one lock different files).
func removeApp(l Layout, a App, why string) (Removal, bool, error) {
	name := a.App
	if name == "" {
		name = a.Dir
	}
	r := Removal{Kind: "app", Name: name, Path: a.Dir, Bytes: a.Bytes, Why: why}
	unlock, err := LockApp(a.Dir, true)
	if err != nil {
		return r, false, err
	}
	defer unlock()
	if now := readApp(a.Dir); !now.Built.Equal(a.Built) {
		return r, false, nil
	}
	aside, err := os.MkdirTemp(l.Apps, "."+filepath.Base(a.Dir)+"-old-")
	if err != nil {
		return r, false, fmt.Errorf("removing the cache of %s: %w", name, err)
	}
	defer os.RemoveAll(aside)
	if err := os.Rename(a.Dir, filepath.Join(aside, "cache")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return r, false, fmt.Errorf("removing the cache of %s: %w", name, err)
	}
	return r, true, nil
}

// dropRuntime removes a store entry under its exclusive lock, unless a
// build used it since notSince meanwhile (a zero notSince: always).
func dropRuntime(l Layout, rt Runtime, notSince time.Time, why string) (Removal, bool, error) {
	r := Removal{Kind: "runtime", Name: rt.Name, Path: rt.Dir, Bytes: rt.Bytes, Why: why}
	rts := cache.Runtimes{Shared: l.Store}
	kind, name, _ := strings.Cut(rt.Name, "/")
	st, _ := rts.Node(name)
	if kind == "php" {
		st, _ = rts.PHP(name)
	}
	unlock, err := st.Lock(true)
	if err != nil {
		return r, false, err
	}
	defer unlock()
	if !notSince.IsZero() && !lastUse(rt.Dir).Before(notSince) {
		return r, false, nil
	}
	if err := st.Drop(); err != nil {
		return r, false, err
	}
	return r, true, nil
}

// removeDownloads removes the store's downloads and headers tarballs
// modified before cutoff (a zero cutoff: all). Hidden files (downloads in
// progress) are left.
func removeDownloads(l Layout, cutoff time.Time) ([]Removal, error) {
	if l.Store == "" {
		return nil, nil
	}
	var out []Removal
	var errs []error
	for _, sub := range []string{"downloads", "headers"} {
		dir := filepath.Join(l.Store, sub)
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil || !fi.Mode().IsRegular() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if !cutoff.IsZero() && !fi.ModTime().Before(cutoff) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("removing %s: %w", p, err))
				continue
			}
			out = append(out, Removal{Kind: "download", Name: sub + "/" + e.Name(), Path: p, Bytes: fi.Size(),
				Why: "downloaded " + fi.ModTime().Local().Format(time.DateOnly)})
		}
	}
	return out, errors.Join(errs...)
}

// ParseSize reads a size: a number of bytes, or a number with a unit K, M,
// G or T (powers of 1024; "2G", "2GB", "2GiB" and "1.5g" are accepted).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := 1.0
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = float64(int64(1) << (10 * (i + 1)))
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(v > 0) || v*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size: write a number of bytes, or one with a unit such as 500M or 2G", s)
	}
	return int64(v * mult), nil
}
