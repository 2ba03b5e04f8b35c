package depcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// Most of a large node_modules is devDependencies: 85% of the 23,000
// entries of the benchmark's large app. A warm build took the spare (see
// cache.Spare), linked a whole new one for the next build, and its prune then
// moved the devDependencies out of node_modules and threw them away: every
// rebuild created and removed some 20,000 entries. Removing is not free,
// and on the build machines' disk (ext4 without a journal) every inode
// freed makes the creations of the next minutes slower, so back-to-back
// rebuilds slowed each other down.
//
// So the next spare is linked without the directories of the lockfile's
// devDependencies (its holes), and the prune step moves them from
// node_modules into those holes instead of into the discard directory: the
// same one rename each (Session.FillHole), and nothing to create or remove. The next build
// must still restore the tree the install left, so a directory moved in is
// kept only if the build changed nothing in it:
//   - adding, removing, renaming or replacing an entry changes its
//     directory's change time (ctime), so every directory in it must be
//     older than the moment the build could first touch it (since: the
//     take of the spare, or the listing of a fresh install); the prune
//     sets the ctime of the directory it moves, so that one is looked at
//     right before the move;
//   - the files a build may rewrite in place (the store's copied files) are copies of
//     the saved ones, so their own ctime must be older too (a program can
//     set a modification time back, as cp -p does, but not a ctime);
//   - every other file is a hard link of the saved tree: rewriting one in
//     place changes the saved tree, which the check of the saved tree
//     finds (Session.StartCheck), and then the whole store goes, this
//     spare with it.
// A hole whose directory changed, or that the prune did not fill (the
// build failed, or the lockfile changed), is linked from the saved tree as
// before. The kernel stamps files from a clock that may lag the real one by
// a tick (up to 10 ms), hence touchMargin; a directory wrongly found newer
// only costs its links. Which directories and files to look at is known
// from the check of the saved tree, which walks it anyway (visit): one
// lstat each in the holes, no second walk.

// touchMargin is taken off the time from which the build may have changed
// a directory, to allow for the kernel's coarse file clock.
const touchMargin = 50 * time.Millisecond

// devSpare is a spare of a saved node_modules being linked without the
// lockfile's devDependencies, for the prune step to fill.
type devSpare struct {
	store cache.Store
	holes map[string]bool // app-relative directories, outermost ones
	since time.Time       // nothing the build changed is older
	// ready is closed when the rest of the tree is linked; part is then
	// the spare being built, or nil when it could not be.
	ready chan struct{}
	part  *cache.Partial
	// filled holds the holes the prune moved a directory into (see fill);
	// only the compiler's goroutine adds, before finish starts.
	filled   map[string]bool
	finished bool
	// changed holds the filled holes found changed.
	changed map[string]bool
	// The check of the saved tree (Session.StartCheck) lists, as it
	// walks, the directories and the files a build may rewrite in place
	// (visit); finish looks at their copies in the filled holes. listed is
	// closed by endListing when the check is over, or when the build ends
	// without one; listedOK says whether it walked the whole tree.
	listed   chan struct{}
	listOnce sync.Once
	listedOK bool
	mu       sync.Mutex
	entries  []string // app-relative
}

// newDevSpare returns a spare for the saved tree m with holes for the
// devDependencies the prune step moves (Options.DevDirs), when there are
// some and the cache can be renamed into the app; else nil. since is when
// the build may first have changed the tree.
func (s *Session) newDevSpare(m manifest, since time.Time) *devSpare {
	if s.o.DevDirs == nil || len(m.Tree) != 1 || m.Tree[0] != "node_modules" || !cache.SameFilesystem(s.store.Root, s.o.App) {
		return nil
	}
	holes := map[string]bool{}
	for _, dir := range s.o.DevDirs() {
		holes[dir] = true
	}
	if len(holes) == 0 {
		return nil
	}
	return &devSpare{store: s.store, holes: holes, since: since.Add(-touchMargin), ready: make(chan struct{}),
		filled: map[string]bool{}, changed: map[string]bool{}, listed: make(chan struct{})}
}

// link links the saved tree into a new spare, holes left out, and closes
// ready.
func (ds *devSpare) link() {
	defer close(ds.ready)
	part, err := spare(ds.store).Start()
	if err != nil {
		return
	}
	err = os.MkdirAll(part.Dir(), 0o755)
	if err == nil {
		_, err = ds.store.Clone(ds.saved(), filepath.Join(part.Dir(), "node_modules"), "node_modules",
			func(rel string) bool { return ds.holes[rel] })
	}
	if err != nil {
		part.Abandon()
		return
	}
	ds.part = part
}

// saved is the saved node_modules.
func (ds *devSpare) saved() string { return filepath.Join(ds.store.Tree(), "node_modules") }

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
// app, into its hole, and reports whether it did. The directory itself is
// looked at here, before the rename sets its ctime; what it holds, in
// finish.
func (ds *devSpare) fill(src, rel string, info fs.FileInfo) bool {
	to := ds.hole(rel)
	if to == "" || os.Rename(src, to) != nil {
		return false
	}
	ds.filled[rel] = true
	if !cache.ChangeTime(info).Before(ds.since) {
		ds.changed[rel] = true
	}
	return true
}

// visit records, from the check of the saved tree, the entries whose copies
// in the holes finish looks at: directories, and files a build may rewrite
// in place. rel is relative to the saved tree, which holds node_modules.
func (ds *devSpare) visit(rel string, d fs.DirEntry) {
	if !d.IsDir() && !(d.Type().IsRegular() && ds.store.Copied(rel)) {
		return
	}
	if ds.holeOf(rel) == "" {
		return
	}
	ds.mu.Lock()
	ds.entries = append(ds.entries, rel)
	ds.mu.Unlock()
}

// holeOf returns the hole that holds the app-relative path rel (or is
// rel), or "". Holes are outermost: the shortest match is the one.
func (ds *devSpare) holeOf(rel string) string {
	for i := len("node_modules/"); i < len(rel); i++ {
		if rel[i] == '/' && ds.holes[rel[:i]] {
			return rel[:i]
		}
	}
	if ds.holes[rel] {
		return rel
	}
	return ""
}

// finish completes the spare and puts it in place: each filled hole is
// kept when untouched since ds.since (see markChanged), else linked again
// from the saved tree, as is every hole left empty. Failures abandon the
// spare: the next build then places the tree link by link.
func (ds *devSpare) finish() {
	<-ds.ready
	if ds.part == nil {
		return
	}
	if len(ds.filled) > 0 {
		ds.markChanged()
	}
	for rel := range ds.holes {
		if ds.filled[rel] && !ds.changed[rel] {
			continue // kept as moved in
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

// abandon throws the spare away (a cancelled build).
func (ds *devSpare) abandon() {
	<-ds.ready
	if ds.part != nil {
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
	src := filepath.Join(ds.store.Tree(), filepath.FromSlash(rel))
	if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_, err := ds.store.Clone(src, dst, rel, nil)
	return err
}

// endListing ends the listing of the saved tree, complete or not; the
// first call counts.
func (ds *devSpare) endListing(complete bool) {
	ds.listOnce.Do(func() {
		ds.listedOK = complete
		close(ds.listed)
	})
}

// markChanged marks the filled holes the build changed (see above), by
// the ctime of their directories and of the files a build may rewrite in
// place, as the check of the saved tree listed them; it waits for that
// listing. Without a complete listing every filled hole counts as changed.
func (ds *devSpare) markChanged() {
	<-ds.listed
	if !ds.listedOK {
		for rel := range ds.filled {
			ds.changed[rel] = true
		}
		return
	}
	for _, rel := range ds.entries {
		h := ds.holeOf(rel)
		if !ds.filled[h] || ds.changed[h] || rel == h {
			continue // the moved directory itself was looked at by fill
		}
		fi, err := os.Lstat(filepath.Join(ds.part.Dir(), filepath.FromSlash(rel)))
		if err != nil || !cache.ChangeTime(fi).Before(ds.since) {
			ds.changed[h] = true
		}
	}
}
