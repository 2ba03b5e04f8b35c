// Package cachedir lists, prunes and cleans what kiln build keeps on a
// developer's machine: one build cache per app (each naming its app in
// kiln-app.json) and the shared runtime store (cache.Runtimes), whose
// entries record their last use in their directory's modification time
// (cache.Store.Touch).
package cachedir

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/internal/atomicfile"
)

// AppFile is the file in an app's build cache that names the app and its
// last successful build.
const AppFile = "kiln-app.json"

// Layout says where the caches are.
type Layout struct {
	// Apps holds one build cache per app (AppCacheDir).
	Apps string
	// Store is the shared runtime store, or "" for none.
	Store string
}

// AppCacheDir is the build cache of the app at the absolute path app: one
// directory per app path under apps, named for the app's directory and a
// hash of its path.
func AppCacheDir(apps, app string) string {
	sum := sha256.Sum256([]byte(app))
	return filepath.Join(apps, filepath.Base(app)+"-"+hex.EncodeToString(sum[:6]))
}

// LockApp takes the lock of the app cache at dir (the hidden file
// .<name>.lock next to it): shared for a build using it, exclusive to
// remove it. It returns the function that releases it.
func LockApp(dir string, exclusive bool) (unlock func(), err error) {
	return cache.Lock(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".lock"), exclusive)
}

// AppRecord is the content of AppFile.
type AppRecord struct {
	// App is the app's absolute path.
	App string `json:"app"`
	// Built is when its last successful build ended.
	Built time.Time `json:"built"`
}

// WriteAppRecord records, in the build cache cacheDir, that the app at the
// absolute path app was built successfully at built. The file is replaced
// atomically.
func WriteAppRecord(cacheDir, app string, built time.Time) error {
	b, err := json.MarshalIndent(AppRecord{App: app, Built: built.UTC().Truncate(time.Second)}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(cacheDir, AppFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("recording the app of %s: %w", cacheDir, err)
	}
	return nil
}

// App is one app's build cache.
type App struct {
	// Dir is the cache directory.
	Dir string `json:"dir"`
	// App is the app's path, "" when the cache does not record it (made
	// by an older kiln, or by a build that never succeeded).
	App string `json:"app"`
	// Built is the end of the last successful build (when unrecorded, the
	// cache directory's modification time).
	Built time.Time `json:"last_build"`
	// Gone is true when the app's directory no longer exists.
	Gone  bool  `json:"gone"`
	Bytes int64 `json:"bytes"`
}

// Runtime is one entry of the shared runtime store.
type Runtime struct {
	// Name is the entry's path in the store: "node/node-24.18.0",
	// "php/php-8.4.22-sha256-0123456789abcdef".
	Name string `json:"name"`
	Dir  string `json:"dir"`
	// Used is when a build last placed it (or saved it).
	Used  time.Time `json:"last_used"`
	Bytes int64     `json:"bytes"`
}

// Listing is what the caches hold.
type Listing struct {
	AppsDir  string    `json:"apps_dir"`
	StoreDir string    `json:"runtime_store,omitempty"`
	Apps     []App     `json:"apps"`
	Runtimes []Runtime `json:"runtimes"`
	// DownloadBytes is the size of the store's verified archives and
	// headers tarballs (downloads/, headers/).
	DownloadBytes int64 `json:"download_bytes"`
	AppsBytes     int64 `json:"apps_bytes"`
	// StoreBytes is the whole store: entries, downloads and the rest.
	StoreBytes int64 `json:"runtime_store_bytes"`
	TotalBytes int64 `json:"total_bytes"`
}

// List reads the app caches (oldest build first) and the runtime store
// (least recently used first), with their sizes. Missing directories are
// empty.
func List(l Layout) (Listing, error) {
	out := Listing{AppsDir: l.Apps, StoreDir: l.Store, Apps: []App{}, Runtimes: []Runtime{}}
	entries, err := os.ReadDir(l.Apps)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return out, fmt.Errorf("reading %s: %w", l.Apps, err)
	}
	for _, e := range entries {
		// Hidden names and work directories (<cache>.build-*) belong to
		// running or killed builds, and caches being removed.
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.Contains(e.Name(), ".build-") {
			continue
		}
		a := readApp(filepath.Join(l.Apps, e.Name()))
		u, err := cache.Measure(a.Dir)
		if err != nil {
			continue // removed meanwhile
		}
		a.Bytes = u.Bytes
		out.Apps = append(out.Apps, a)
		out.AppsBytes += a.Bytes
	}
	slices.SortStableFunc(out.Apps, func(a, b App) int { return a.Built.Compare(b.Built) })
	if l.Store != "" {
		if err := listStore(l.Store, &out); err != nil {
			return out, err
		}
	}
	out.TotalBytes = out.AppsBytes + out.StoreBytes
	return out, nil
}

// readApp reads the record of the app cache at dir.
func readApp(dir string) App {
	a := App{Dir: dir}
	var rec AppRecord
	if b, err := os.ReadFile(filepath.Join(dir, AppFile)); err == nil && json.Unmarshal(b, &rec) == nil && rec.App != "" {
		a.App, a.Built = rec.App, rec.Built
		if _, err := os.Stat(rec.App); errors.Is(err, fs.ErrNotExist) {
			a.Gone = true
		}
		return a
	}
	if fi, err := os.Stat(dir); err == nil {
		a.Built = fi.ModTime()
	}
	return a
}

// listStore measures the store and lists its entries.
func listStore(store string, out *Listing) error {
	u, err := cache.Measure(store)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("measuring the runtime store %s: %w", store, err)
	}
	out.StoreBytes = u.Bytes
	for _, p := range u.Parts {
		kind, name, nested := strings.Cut(p.Name, "/")
		if !nested {
			if p.Name == "downloads" || p.Name == "headers" {
				out.DownloadBytes += p.Bytes
			}
			continue
		}
		dir := filepath.Join(store, kind, name)
		if (kind != "node" && kind != "php") || strings.HasPrefix(name, ".") {
			continue
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		out.Runtimes = append(out.Runtimes, Runtime{Name: p.Name, Dir: dir, Used: lastUse(dir), Bytes: p.Bytes})
	}
	slices.SortStableFunc(out.Runtimes, func(a, b Runtime) int {
		return cmp.Or(a.Used.Compare(b.Used), strings.Compare(a.Name, b.Name))
	})
	return nil
}

// lastUse is when the store entry at dir was last placed (its directory's
// modification time, see cache.Store.Touch) or saved (its manifest's),
// whichever is later.
func lastUse(dir string) time.Time {
	var t time.Time
	for _, p := range []string{dir, filepath.Join(dir, cache.ManifestFile)} {
		if fi, err := os.Stat(p); err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	return t
}
