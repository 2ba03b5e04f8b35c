package depcache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// Saving the installed tree for the next build is a hard link per file and
// a directory per directory: 0.5-0.8 s for the 20,000 files of a large app
// here, more on a slow disk. It used to sit between the install and the
// build script. Now the tree is listed right after the install, which is a
// stat per entry plus a read of the files the build may rewrite in place
// (the store's copied files: package.json files, npm's hidden lockfile,
// about 3 MB), and
// the save itself runs while the build script does.
//
// The saved tree must be what the install left, whatever the build script
// does meanwhile. So the save creates only the listed entries; it writes
// the listed content of the mutable files; and each hard link must reach
// the listed file (same device and inode): a file the build removed or
// replaced stops the save, and nothing is saved. New files (a build
// cache under node_modules/.cache, generated clients) are not listed, so
// not saved. A linked file rewritten in place keeps its identity, as with
// the links of a save made before the build; the check of the saved tree
// after the build (Session.StartCheck) finds it by its modification
// time, against the newest one of the listing. Pruning removes packages,
// so it waits for the save (Session.AwaitSave), and so does that check.

// maxListedBytes bounds the content of mutable files a listing holds in
// memory; beyond it the save is done at once, before the build script.
const maxListedBytes = 64 << 20

// listing is the installed trees as the install left them.
type listing struct {
	trees   []string
	entries [][]entry // per tree, parents first
	files   int
	// newest is the newest modification time of a listed file (capped at
	// the time of the listing): the saved tree was modified in place
	// when one of its files is newer.
	newest time.Time
}

// entry is one listed entry of a tree.
type entry struct {
	rel  string      // slash-separated, relative to the tree
	info fs.FileInfo // from Lstat
	link string      // a symlink's target
	data []byte      // a mutable file's content
}

// list lists the trees of app, holding the content of the files st copies.
// The stats are most of its cost (0.12-0.2 s for 20,000 files here), so it
// walks with cache.WalkParallel; sorting the paths then puts every
// directory before what it holds.
func list(st cache.Store, app string, trees []string) (listing, error) {
	l := listing{trees: trees}
	now := time.Now()
	var held atomic.Int64
	for _, dir := range trees {
		root := filepath.Join(app, filepath.FromSlash(dir))
		prefix := root + string(filepath.Separator)
		var mu sync.Mutex
		var entries []entry
		copied := func(rel string) bool { return st.Copied(dir + "/" + rel) }
		err := cache.WalkParallel(root, cache.WalkWorkers, func(p string, d fs.DirEntry) error {
			e, err := listEntry(p, strings.TrimPrefix(p, prefix), d, copied, &held)
			if err != nil || e.info == nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			entries = append(entries, e)
			if e.info.Mode().IsRegular() {
				l.files++
				if t := e.info.ModTime(); t.After(l.newest) {
					l.newest = t
				}
			}
			return nil
		})
		if err != nil {
			return l, err
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.rel, b.rel) })
		l.entries = append(l.entries, entries)
	}
	if l.newest.After(now) {
		l.newest = now
	}
	return l, nil
}

// listEntry lists the entry at p (rel, relative to its tree); copied
// reports the files whose content it holds, held counts their bytes.
// Sockets and the like are not saved: the entry comes back without info.
func listEntry(p, rel string, d fs.DirEntry, copied func(rel string) bool, held *atomic.Int64) (entry, error) {
	info, err := d.Info()
	if err != nil {
		return entry{}, err
	}
	e := entry{rel: filepath.ToSlash(rel), info: info}
	switch mode := info.Mode(); {
	case mode&fs.ModeSymlink != 0:
		e.link, err = os.Readlink(p)
	case mode.IsRegular():
		if copied(e.rel) {
			if held.Add(info.Size()) > maxListedBytes {
				return e, errListingTooLarge
			}
			e.data, err = os.ReadFile(p)
		}
	case !mode.IsDir():
		return entry{}, nil
	}
	return e, err
}

var errListingTooLarge = errors.New("too many bytes of files the build may rewrite")

// bytes is the size of the listed regular files.
func (l listing) bytes() int64 {
	var n int64
	for _, tree := range l.entries {
		for _, e := range tree {
			if e.info.Mode().IsRegular() {
				n += e.info.Size()
			}
		}
	}
	return n
}

// saveListed stores the listed trees of app with their key, replacing the
// previous save atomically (see save).
func saveListed(st cache.Store, app string, key Key, l listing) error {
	_, err := st.Save(func(tree string) (any, int, error) {
		for i, dir := range l.trees {
			src := filepath.Join(app, filepath.FromSlash(dir))
			dst := filepath.Join(tree, filepath.FromSlash(dir))
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return nil, 0, err
			}
			if err := recreateListed(src, dst, l.entries[i]); err != nil {
				return nil, 0, err
			}
		}
		return manifest{Key: key, Tree: l.trees, Bytes: l.bytes()}, l.files, nil
	}, nil)
	return err
}

// recreateListed recreates the listed entries of src in dst.
func recreateListed(src, dst string, entries []entry) error {
	for _, e := range entries {
		from := filepath.Join(src, filepath.FromSlash(e.rel))
		to := filepath.Join(dst, filepath.FromSlash(e.rel))
		mode := e.info.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(to, mode.Perm()|0o700); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			if err := os.Symlink(e.link, to); err != nil {
				return err
			}
		case e.data != nil:
			if err := os.WriteFile(to, e.data, mode.Perm()); err != nil {
				return err
			}
			if err := os.Chtimes(to, e.info.ModTime(), e.info.ModTime()); err != nil {
				return err
			}
		default:
			if err := os.Link(from, to); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("%s was removed during the build", e.rel)
				}
				return err
			}
			got, err := os.Lstat(to)
			if err != nil {
				return err
			}
			if !os.SameFile(got, e.info) {
				return fmt.Errorf("%s was replaced during the build", e.rel)
			}
		}
	}
	return nil
}
