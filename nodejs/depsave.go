package nodejs

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

	"github.com/kiln-dev/kiln/buildpack"
	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// Saving the installed tree for the next build is a hard link per file and
// a directory per directory: 0.5-0.8 s for the 20,000 files of a large app
// here, more on a slow disk. It used to sit between the install and the
// build script. Now the tree is listed right after the install, which is a
// stat per entry plus a read of the files the build may rewrite in place
// (mutableFile: package.json files, npm's hidden lockfile, about 3 MB), and
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
// after the build (checkSharedDependencies) finds it by its modification
// time, against the newest one of the listing. Pruning removes packages,
// so it waits for the save (awaitDependencySave), and so does that check.

// maxListedBytes bounds the content of mutable files a listing holds in
// memory; beyond it the save is done at once, before the build script.
const maxListedBytes = 64 << 20

// depListing is the installed trees as the install left them.
type depListing struct {
	trees   []string
	entries [][]depEntry // per tree, parents first
	files   int
	// newest is the newest modification time of a listed file (capped at
	// the time of the listing): the saved tree was modified in place
	// when one of its files is newer.
	newest time.Time
}

// depEntry is one listed entry of a tree.
type depEntry struct {
	rel  string      // slash-separated, relative to the tree
	info fs.FileInfo // from Lstat
	link string      // a symlink's target
	data []byte      // a mutable file's content
}

// listDependencies lists the trees of app. The stats are most of its
// cost (0.12-0.2 s for 20,000 files here), so it walks with
// treecache.WalkParallel; sorting the paths then puts every directory
// before what it holds.
func listDependencies(app string, trees []string) (depListing, error) {
	l := depListing{trees: trees}
	now := time.Now()
	var held atomic.Int64
	for _, dir := range trees {
		root := filepath.Join(app, filepath.FromSlash(dir))
		prefix := root + string(filepath.Separator)
		var mu sync.Mutex
		var entries []depEntry
		err := treecache.WalkParallel(root, treecache.WalkWorkers, func(p string, d fs.DirEntry) error {
			e, err := listEntry(p, strings.TrimPrefix(p, prefix), d, &held)
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
		slices.SortFunc(entries, func(a, b depEntry) int { return strings.Compare(a.rel, b.rel) })
		l.entries = append(l.entries, entries)
	}
	if l.newest.After(now) {
		l.newest = now
	}
	return l, nil
}

// listEntry lists the entry at p (rel, relative to its tree); held counts
// the bytes of mutable files read. Sockets and the like are not saved: the
// entry comes back without info.
func listEntry(p, rel string, d fs.DirEntry, held *atomic.Int64) (depEntry, error) {
	info, err := d.Info()
	if err != nil {
		return depEntry{}, err
	}
	e := depEntry{rel: filepath.ToSlash(rel), info: info}
	switch mode := info.Mode(); {
	case mode&fs.ModeSymlink != 0:
		e.link, err = os.Readlink(p)
	case mode.IsRegular():
		if mutableFile(e.rel) {
			if held.Add(info.Size()) > maxListedBytes {
				return e, errListingTooLarge
			}
			e.data, err = os.ReadFile(p)
		}
	case !mode.IsDir():
		return depEntry{}, nil
	}
	return e, err
}

var errListingTooLarge = errors.New("too many bytes of files the build may rewrite")

// saveListed stores the listed trees of app with their key, replacing the
// previous save atomically (see depCache.save).
func (d depCache) saveListed(app string, key depKey, l depListing) error {
	_, err := d.store().Save(func(tree string) (any, int, error) {
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
		return depManifest{Key: key, Tree: l.trees}, l.files, nil
	}, nil)
	return err
}

// recreateListed recreates the listed entries of src in dst.
func recreateListed(src, dst string, entries []depEntry) error {
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

// depSave is a save of the installed trees running in the background.
type depSave struct {
	saved  chan struct{} // closed when the save is over
	done   chan struct{} // closed when its spare is ready too
	trees  []string
	files  int
	start  time.Time
	took   time.Duration
	err    error
	newest time.Time // see depListing
	shown  bool
}

// saveDependenciesInBackground lists the installed trees and saves them
// (then prepares their spare) in the background; when they cannot be
// listed, it saves them at once.
func (c *compiler) saveDependenciesInBackground(cache depCache, key depKey) {
	trees := findTrees(c.ctx.AppDir)
	if len(trees) == 0 {
		return
	}
	if !linkable(cache.root, c.ctx.AppDir) {
		// Across filesystems the save copies every file, so there is
		// nothing to check link by link: it is done at once.
		c.saveDependencies(cache, key, nil)
		return
	}
	start := time.Now()
	l, err := listDependencies(c.ctx.AppDir, trees)
	if err != nil {
		c.saveDependencies(cache, key, nil)
		return
	}
	s := &depSave{saved: make(chan struct{}), done: make(chan struct{}), trees: trees, files: l.files, start: start, newest: l.newest}
	c.depSave = s
	ds := c.newDevSpare(cache, depManifest{Key: key, Tree: trees}, start)
	c.devSpare = ds
	c.log.Info("Listed %s (%d files) in %s: saving it for the next build while the build goes on",
		strings.Join(trees, ", "), l.files, buildpack.Elapsed(start))
	c.background.Add(1)
	go func() {
		defer c.background.Done()
		defer close(s.done)
		s.err = cache.saveListed(c.ctx.AppDir, key, l)
		s.took = time.Since(start)
		close(s.saved)
		switch {
		case s.err != nil:
			if ds != nil {
				close(ds.ready) // no spare: the prune discards
			}
		case ds != nil:
			ds.link()
		default: // on the app's filesystem: see linkable above
			_ = treecache.BuildSpare(cache.spare(), cache.fillSpare(depManifest{Key: key, Tree: trees}))
		}
	}()
}

// linkable reports whether files of app can be hard-linked into the cache
// directory root (created if need be): both on one filesystem.
func linkable(root, app string) bool {
	return os.MkdirAll(root, 0o755) == nil && treecache.SameFilesystem(root, app)
}

// awaitDependencySave waits for a background save of the installed trees
// (not for its spare, which only the check of the saved tree and the end of
// the build wait for), and says once how it went.
func (c *compiler) awaitDependencySave() {
	s := c.depSave
	if s == nil {
		return
	}
	waited := time.Now()
	<-s.saved
	if s.shown {
		return
	}
	s.shown = true
	if s.err != nil {
		c.log.Warn("Could not save node_modules for the next build: %v", s.err)
		return
	}
	c.log.Info("Saved %s (%d files) for the next build in %s, while the build went on (then waited %s for it)",
		strings.Join(s.trees, ", "), s.files, buildpack.Duration(s.took), buildpack.Elapsed(waited))
}
