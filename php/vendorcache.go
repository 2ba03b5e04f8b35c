package php

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// vendorCache is the saved vendor/ of the last install, under
// CACHE_DIR/php (a treecache.Store named vendor):
//
//	vendor/key.json        the vendorKey it was installed with
//	vendor/tree/           vendor/ as composer install left it, without the
//	                       runtimes kiln places there (see kilnVendorPath)
//	vendor/spare/          a ready-made copy of the tree for the next restore
//	                       (see vendorspare.go)
//	vendor/.spare-tmp-*    a spare being built, taken or discarded, or what a
//	                       killed build left (removed)
//	.vendor-new-*, .vendor-old-*
//	                       a save in progress, or what a killed one left (removed)
//
// A save replaces CACHE_DIR/php/vendor atomically and a restore reads
// key.json first, so a tree is only used together with the key it was
// installed with (see treecache.Store).
type vendorCache struct{ root string }

// vendorManifest is the content of vendor/key.json.
type vendorManifest struct {
	Key vendorKey `json:"key"`
	// Files is the number of regular files in the tree.
	Files int `json:"files"`
}

func (v vendorCache) store() treecache.Store {
	return treecache.Store{Root: v.root, Name: "vendor", Noun: "the saved vendor/"}
}

func (v vendorCache) dir() string  { return v.store().Dir() }
func (v vendorCache) tree() string { return v.store().Tree() }

// kilnVendorPath reports whether a path of vendor/ (slash separated,
// relative to vendor/) belongs to kiln rather than to Composer: the
// repository runtimes (php, nginx, composer/bin with Composer's phar) and
// the APM agents. They are placed by their own steps, never saved with the
// dependencies, and never overwritten by a restore.
func kilnVendorPath(rel string) bool {
	for _, p := range []string{"php", "nginx", "apm", "composer/bin"} {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// vendorMutable reports whether a file of vendor/ (relative to vendor/) may
// be rewritten in place by a build, and so is copied rather than hard-linked
// between the app and the cache. Composer replaces a package's files by
// deleting and unpacking (and never touches an installed package on a
// restore, where it finds every package in place), so package files are
// linked: that is what makes a restore cheap. But Composer rewrites its own
// files with file_put_contents, which truncates and writes the same inode:
// the autoloader and metadata in vendor/composer/, vendor/autoload.php (and
// plugins' siblings such as autoload_runtime.php, all directly in vendor/),
// and the proxies in vendor/bin. Those are copied.
//
// What stays linked could still be rewritten in place by an app's own
// script or compile command (`echo >> vendor/x/y.php`); such a build would
// change the cached copy too. Replacing a file (sed -i, patch, cp over a
// new name, deleting) does not.
func vendorMutable(rel string) bool {
	return !strings.Contains(rel, "/") || strings.HasPrefix(rel, "composer/") || strings.HasPrefix(rel, "bin/")
}

// load returns the saved manifest. An absent cache is fs.ErrNotExist; an
// unreadable or inconsistent one is another error.
func (v vendorCache) load() (vendorManifest, error) {
	var m vendorManifest
	if err := v.store().Load(&m); err != nil {
		if errors.Is(err, treecache.ErrNoManifest) {
			return m, errors.New("the saved vendor/ has no key.json")
		}
		return m, err
	}
	if fi, err := os.Stat(v.tree()); err != nil || !fi.IsDir() {
		return m, errors.New("the saved vendor/ tree is missing")
	}
	return m, nil
}

// restore places the saved tree into app's vendor/ (merging with the
// runtimes already there) and returns the number of files (m.Files when it
// took the spare) and whether it took the spare. Nothing of the tree may
// exist in the app yet; on failure, what was placed is removed. Without a
// usable spare it links the tree file by file.
func (v vendorCache) restore(app string, m vendorManifest) (int, bool, error) {
	vendor := filepath.Join(app, "vendor")
	entries, err := os.ReadDir(v.tree())
	if err != nil {
		return 0, false, err
	}
	for _, e := range entries {
		if e.Name() == "composer" {
			continue // holds kiln's composer/bin; merged, checked file by file
		}
		if _, err := os.Lstat(filepath.Join(vendor, e.Name())); err == nil {
			return 0, false, fmt.Errorf("vendor/%s already exists in the app", e.Name())
		}
	}
	if v.takeSpare(vendor) == nil {
		return m.Files, true, nil
	}
	n, err := cloneVendor(v.tree(), vendor)
	if err != nil {
		removeRestored(vendor, entries)
		return 0, false, err
	}
	return n, false, nil
}

// removeRestored deletes what a failed restore placed: the tree's entries,
// except kiln's own paths.
func removeRestored(vendor string, entries []fs.DirEntry) {
	for _, e := range entries {
		if e.Name() != "composer" {
			_ = os.RemoveAll(filepath.Join(vendor, e.Name()))
			continue
		}
		inner, _ := os.ReadDir(filepath.Join(vendor, "composer"))
		for _, i := range inner {
			if !kilnVendorPath("composer/" + i.Name()) {
				_ = os.RemoveAll(filepath.Join(vendor, "composer", i.Name()))
			}
		}
	}
}

// save stores app's vendor/ (without kiln's paths) with its key, replacing
// the previous save atomically. It returns the number of files saved.
func (v vendorCache) save(app string, key vendorKey, hook treecache.Hook) (int, error) {
	return v.store().Save(func(tree string) (any, int, error) {
		n, err := cloneVendor(filepath.Join(app, "vendor"), tree)
		return vendorManifest{Key: key, Files: n}, n, err
	}, hook)
}

// removeLeftovers deletes what killed saves and spares left behind.
func (v vendorCache) removeLeftovers() {
	treecache.RemoveSpareLeftovers(v.dir())
	v.store().RemoveLeftovers()
}

// cloneVendor recreates the vendor/ tree src at dst without kiln's paths:
// package files hard-linked, Composer's generated files copied.
func cloneVendor(src, dst string) (int, error) { return cloneVendorSkip(src, dst, nil) }

// cloneVendorSkip is cloneVendor leaving out, as well, what skip (when not
// nil) reports.
func cloneVendorSkip(src, dst string, skip func(rel string) bool) (int, error) {
	return treecache.CloneTree(src, dst, func(rel string) bool { return kilnVendorPath(rel) || (skip != nil && skip(rel)) },
		func(rel string) bool { return !vendorMutable(rel) })
}
