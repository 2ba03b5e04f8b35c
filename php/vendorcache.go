package php

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// vendorCache is the saved vendor/ of the last install: the cache.Vendor
// store, CACHE_DIR/php/vendor, whose key.json holds the vendorKey it was
// installed with and whose tree is vendor/ as composer install left it,
// without the runtimes kiln places there. Its spare (vendor/spare, see
// vendorspare.go) is a ready-made copy of the tree for the next restore.
// A save replaces the store atomically and a restore reads key.json
// first, so a tree is only used together with the key it was installed
// with (see package cache).
type vendorCache struct {
	store cache.Store
	// rename moves an entry of the spare into vendor/ (os.Rename when
	// nil); tests make it fail part way.
	rename func(from, to string) error
}

// newVendorCache is the vendor/ cache of the build cache cacheDir.
func newVendorCache(cacheDir string) vendorCache { return vendorCache{store: cache.Vendor(cacheDir)} }

// vendorManifest is the content of vendor/key.json.
type vendorManifest struct {
	Key vendorKey `json:"key"`
	// Files is the number of regular files in the tree.
	Files int `json:"files"`
}

func (v vendorCache) dir() string  { return v.store.Dir() }
func (v vendorCache) tree() string { return v.store.Tree() }

// open reads the saved manifest and checks the saved tree; changes names
// the inputs of the saved key that differ from this build's (nil: none).
func (v vendorCache) open(changes func(saved vendorKey) []string) (vendorManifest, cache.Result) {
	var m vendorManifest
	r := v.store.Open(&m, func() ([]string, error) {
		if fi, err := os.Stat(v.tree()); err != nil || !fi.IsDir() {
			return nil, errors.New("the saved vendor/ tree is missing")
		}
		if changes == nil {
			return nil, nil
		}
		return changes(m.Key), nil
	})
	if errors.Is(r.Err, cache.ErrNoManifest) {
		r.Err = errors.New("the saved vendor/ has no key.json")
	}
	return m, r
}

// load returns the saved manifest. An absent cache is fs.ErrNotExist; an
// unreadable or inconsistent one is another error.
func (v vendorCache) load() (vendorManifest, error) {
	m, r := v.open(nil)
	switch r.Status {
	case cache.Miss:
		return m, fs.ErrNotExist
	case cache.Damaged:
		return m, r.Err
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
	n, err := v.store.Clone(v.tree(), vendor, "", nil)
	if err != nil {
		v.removeRestored(vendor, entries)
		return 0, false, err
	}
	return n, false, nil
}

// removeRestored deletes what a failed restore placed: the tree's entries,
// except kiln's own paths.
func (v vendorCache) removeRestored(vendor string, entries []fs.DirEntry) {
	for _, e := range entries {
		if e.Name() != "composer" {
			_ = os.RemoveAll(filepath.Join(vendor, e.Name()))
			continue
		}
		inner, _ := os.ReadDir(filepath.Join(vendor, "composer"))
		for _, i := range inner {
			if !v.store.Left("composer/" + i.Name()) {
				_ = os.RemoveAll(filepath.Join(vendor, "composer", i.Name()))
			}
		}
	}
}

// save stores app's vendor/ (without kiln's paths) with its key, replacing
// the previous save atomically. It returns the number of files saved.
func (v vendorCache) save(app string, key vendorKey, hook cache.Hook) (int, error) {
	return v.store.Save(func(tree string) (any, int, error) {
		n, err := v.store.Clone(filepath.Join(app, "vendor"), tree, "", nil)
		return vendorManifest{Key: key, Files: n}, n, err
	}, hook)
}
