package nodejs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/buildpack/treecache"
)

// Most of a large node_modules is devDependencies: 85% of the 23,000
// entries of the benchmark's large app. A warm build took the spare (see
// spare.go), linked a whole new one for the next build, and its prune then
// moved the devDependencies out of node_modules and threw them away: every
// rebuild created and removed some 20,000 entries. Removing is not free,
// and on the build machines' disk (ext4 without a journal) every inode
// freed makes the creations of the next minutes slower, so back-to-back
// rebuilds slowed each other down.
//
// So the next spare is linked without the directories of the lockfile's
// devDependencies (its holes), and the prune step moves them from
// node_modules into those holes instead of into the discard directory: the
// same one rename each, and nothing to create or remove. The next build
// must still restore the tree the install left, so a directory moved in is
// kept only if the build changed nothing in it:
//   - adding, removing, renaming or replacing an entry changes its
//     directory's change time (ctime), so every directory in it must be
//     older than the moment the build could first touch it (since: the
//     take of the spare, or the listing of a fresh install); the prune
//     sets the ctime of the directory it moves, so that one is looked at
//     right before the move;
//   - the files a build may rewrite in place (mutableFile) are copies of
//     the saved ones, so their own ctime must be older too (a program can
//     set a modification time back, as cp -p does, but not a ctime);
//   - every other file is a hard link of the saved tree: rewriting one in
//     place changes the saved tree, which the check of the saved tree
//     finds (checkSharedDependencies), and then the whole store goes, this
//     spare with it.
// A hole whose directory changed, or that the prune did not fill (the
// build failed, or the lockfile changed), is linked from the saved tree as
// before. The kernel stamps files from a clock that may lag the real one by
// a tick (up to 10 ms), hence touchMargin; a directory wrongly found newer
// only costs its links. Moving a directory keeps its modification time
// (ext4, tmpfs).

// touchMargin is taken off the time from which the build may have changed
// a directory, to allow for the kernel's coarse file clock.
const touchMargin = 50 * time.Millisecond

// devSpare is a spare of a saved node_modules being linked without the
// lockfile's devDependencies, for the prune step to fill.
type devSpare struct {
	cache depCache
	holes map[string]bool // app-relative directories, outermost ones
	since time.Time       // nothing the build changed is older
	// ready is closed when the rest of the tree is linked; part is then
	// the spare being built, or nil when it could not be.
	ready chan struct{}
	part  *treecache.Partial
	// filled lists the holes the prune moved a directory into (see fill);
	// only the compiler's goroutine appends, before finish starts.
	filled   []string
	finished bool
	// The filled holes are checked as they come, while the prune moves
	// the next ones (see fill and changedHoles).
	toCheck  chan string
	checking sync.WaitGroup
	mu       sync.Mutex
	changed  map[string]bool
}

// newDevSpare returns a spare for the saved tree m with holes for the
// devDependencies of the lockfile, when the prune step moves them (npm with
// a plain v2+ lockfile) and the cache can be renamed into the app; else
// nil. since is when the build may first have changed the tree.
func (c *compiler) newDevSpare(cache depCache, m depManifest, since time.Time) *devSpare {
	if c.plan.Settings[setPruneFirst] == "" || len(m.Tree) != 1 || m.Tree[0] != "node_modules" ||
		!treecache.SameFilesystem(cache.root, c.ctx.AppDir) {
		return nil
	}
	lock, err := os.ReadFile(filepath.Join(c.ctx.AppDir, c.plan.Settings[setLockfile]))
	if err != nil || !plainTree(lock) {
		return nil
	}
	holes := map[string]bool{}
	for _, dir := range devPackageDirs(lock) {
		holes[dir] = true
	}
	if len(holes) == 0 {
		return nil
	}
	return &devSpare{cache: cache, holes: holes, since: since.Add(-touchMargin), ready: make(chan struct{})}
}

// link links the saved tree into a new spare, holes left out, and closes
// ready.
func (ds *devSpare) link() {
	defer close(ds.ready)
	part, err := treecache.StartSpare(ds.cache.spare())
	if err != nil {
		return
	}
	err = os.MkdirAll(part.Dir(), 0o755)
	if err == nil {
		_, err = treecache.CloneTree(ds.saved(), filepath.Join(part.Dir(), "node_modules"),
			func(rel string) bool { return ds.holes["node_modules/"+rel] },
			func(rel string) bool { return !mutableFile(rel) })
	}
	if err != nil {
		part.Abandon()
		return
	}
	ds.part = part
}

// saved is the saved node_modules.
func (ds *devSpare) saved() string { return filepath.Join(ds.cache.store().Tree(), "node_modules") }

// hole returns where the prune should move the installed directory rel
// (app-relative): its hole in the spare, or "" when rel is no hole or the
// spare is not there.
func (ds *devSpare) hole(rel string) string {
	<-ds.ready
	if ds.part == nil || !ds.holes[rel] {
		return ""
	}
	to := filepath.Join(ds.part.Dir(), filepath.FromSlash(rel))
	if fi, err := os.Lstat(filepath.Dir(to)); err != nil || !fi.IsDir() {
		return ""
	}
	return to
}

// fill moves the installed directory src (info: its Lstat), at rel in the
// app, into its hole, and reports whether it did; what it holds is then
// checked in the background.
func (ds *devSpare) fill(src, rel string, info fs.FileInfo) bool {
	to := ds.hole(rel)
	if to == "" || os.Rename(src, to) != nil {
		return false
	}
	ds.filled = append(ds.filled, rel)
	if ds.toCheck == nil {
		ds.startChecking()
	}
	if !treecache.ChangeTime(info).Before(ds.since) {
		ds.mu.Lock()
		ds.changed[rel] = true
		ds.mu.Unlock()
		return true
	}
	ds.toCheck <- rel
	return true
}

// startChecking starts the goroutines that check the filled holes (see
// untouchedSince) and record the changed ones.
func (ds *devSpare) startChecking() {
	ds.toCheck = make(chan string, len(ds.holes))
	ds.changed = map[string]bool{}
	for range treecache.WalkWorkers {
		ds.checking.Add(1)
		go func() {
			defer ds.checking.Done()
			for rel := range ds.toCheck {
				dir := filepath.Join(ds.part.Dir(), filepath.FromSlash(rel))
				if !untouchedSince(dir, strings.TrimPrefix(rel, "node_modules/"), ds.since) {
					ds.mu.Lock()
					ds.changed[rel] = true
					ds.mu.Unlock()
				}
			}
		}()
	}
}

// finish completes the spare and puts it in place: each filled hole is
// kept when untouched since ds.since, else linked again from the saved
// tree, as is every hole left empty. Failures abandon the spare: the next
// build then places the tree link by link.
func (ds *devSpare) finish() {
	<-ds.ready
	if ds.part == nil {
		return
	}
	if ds.toCheck != nil {
		close(ds.toCheck)
		ds.checking.Wait()
	}
	kept := map[string]bool{}
	for _, rel := range ds.filled {
		kept[rel] = !ds.changed[rel]
	}
	for rel := range ds.holes {
		if kept[rel] {
			continue
		}
		if err := ds.relink(rel); err != nil {
			ds.part.Abandon()
			return
		}
	}
	if err := ds.part.Commit(); err != nil {
		ds.part.Abandon()
	}
}

// relink replaces the hole rel of the spare with links to the saved tree
// (nothing when the saved tree lacks it: a package of another platform).
func (ds *devSpare) relink(rel string) error {
	dst := filepath.Join(ds.part.Dir(), filepath.FromSlash(rel))
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	treeRel := strings.TrimPrefix(rel, "node_modules/")
	src := filepath.Join(ds.saved(), filepath.FromSlash(treeRel))
	if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_, err := treecache.CloneTree(src, dst, nil, func(r string) bool { return !mutableFile(treeRel + "/" + r) })
	return err
}

// untouchedSince reports whether nothing changed in the directory dir
// since t (see above): every directory below it, and every file the build
// may rewrite in place, is older (dir itself is the caller's). rel is
// dir's path in node_modules.
func untouchedSince(dir, rel string, t time.Time) bool {
	untouched := true
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !(d.Type().IsRegular() && mutableFile(rel+filepath.ToSlash(strings.TrimPrefix(p, dir)))) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if p != dir && !treecache.ChangeTime(info).Before(t) {
			untouched = false
			return fs.SkipAll
		}
		return nil
	})
	return err == nil && untouched
}

// finishDevSpare completes the spare of the saved tree in the background,
// once: after the prune step filled its holes, or at the end of the build.
func (c *compiler) finishDevSpare() {
	ds := c.devSpare
	if ds == nil || ds.finished {
		return
	}
	ds.finished = true
	c.background.Add(1)
	go func() {
		defer c.background.Done()
		ds.finish()
	}()
}
