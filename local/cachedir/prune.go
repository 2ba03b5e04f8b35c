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

// Prune removes the app caches not built since cutoff or whose app
// directory is gone, the runtime store entries not used since cutoff (each
// under its exclusive lock, so never while a build places it), and the
// store's downloads and headers tarballs older than cutoff.
func Prune(l Layout, cutoff time.Time) ([]Removal, error) {
	ls, err := List(l)
	if err != nil {
		return nil, err
	}
	var out []Removal
	var errs []error
	for _, a := range ls.Apps {
		why := ""
		switch {
		case a.Gone:
			why = "app gone"
		case a.Built.Before(cutoff):
			why = "not built since " + a.Built.Local().Format(time.DateOnly)
		default:
			continue
		}
		r, err := removeApp(l, a, why)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	for _, rt := range ls.Runtimes {
		if !rt.Used.Before(cutoff) {
			continue
		}
		r, removed, err := dropRuntime(l, rt, cutoff, "not used since "+rt.Used.Local().Format(time.DateOnly))
		if err != nil {
			errs = append(errs, err)
		} else if removed {
			out = append(out, r)
		}
	}
	rs, err := removeDownloads(l, cutoff)
	out = append(out, rs...)
	return out, errors.Join(append(errs, err)...)
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
	var out []Removal
	var errs []error
	for _, a := range ls.Apps {
		if !match(a) {
			continue
		}
		r, err := removeApp(l, a, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	if app != "" {
		return out, errors.Join(errs...)
	}
	for _, rt := range ls.Runtimes {
		r, removed, err := dropRuntime(l, rt, time.Time{}, "")
		if err != nil {
			errs = append(errs, err)
		} else if removed {
			out = append(out, r)
		}
	}
	rs, err := removeDownloads(l, time.Time{})
	out = append(out, rs...)
	return out, errors.Join(append(errs, err)...)
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
	var out []Removal
	var errs []error
	for _, a := range ls.Apps {
		if total <= max {
			break
		}
		if filepath.Clean(a.Dir) == filepath.Clean(keepApp) {
			continue
		}
		r, err := removeApp(l, a, "least recently built")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
		total -= r.Bytes
	}
	for _, rt := range ls.Runtimes {
		if total <= max {
			break
		}
		if !rt.Used.Before(keepSince) {
			continue
		}
		r, removed, err := dropRuntime(l, rt, keepSince, "least recently used")
		if err != nil {
			errs = append(errs, err)
		} else if removed {
			out = append(out, r)
			total -= r.Bytes
		}
	}
	return out, total, errors.Join(errs...)
}

// removeApp removes an app cache: moved aside first with one rename (a
// hidden name, which List skips), then deleted.
func removeApp(l Layout, a App, why string) (Removal, error) {
	name := a.App
	if name == "" {
		name = a.Dir
	}
	r := Removal{Kind: "app", Name: name, Path: a.Dir, Bytes: a.Bytes, Why: why}
	aside, err := os.MkdirTemp(l.Apps, "."+filepath.Base(a.Dir)+"-old-")
	if err != nil {
		return r, fmt.Errorf("removing the cache of %s: %w", name, err)
	}
	defer os.RemoveAll(aside)
	if err := os.Rename(a.Dir, filepath.Join(aside, "cache")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return r, fmt.Errorf("removing the cache of %s: %w", name, err)
	}
	return r, nil
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
