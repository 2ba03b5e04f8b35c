// Package depcache is the warm-cache work of one Node.js build: the saved
// dependency tree (the cache.NodeModules store) restored in place of an
// install, or saved after one, and what keeps that off the build's
// critical path. The nodejs compiler holds one Session and calls it at
// four points of a build: the install step (Restore, or Save after the
// install), every later step (AwaitSave), the prune step (FillHole,
// PruneDone), after the last step that may write into node_modules
// (StartCheck, EndCheck), and at the end (Close).
//
// What a reader of this package needs to hold:
//   - the key (Key): what decides the installed tree; the store keeps the
//     tree with the key it was installed from (see package cache);
//   - the spare: a ready-made copy of the saved tree, taken with a rename
//     by the next restore, linked in the background (cache.Spare);
//   - the background save: after an install the tree is listed, then saved
//     while the build script runs (listing.go); later steps wait for it;
//   - the check: the saved tree shares its files with node_modules (hard
//     links), so once nothing writes into node_modules any more the build
//     looks for a saved file rewritten in place, and drops the store if
//     one was (cache.Store.CheckShared);
//   - the dev spare: when the prune moves the lockfile's devDependencies
//     out of node_modules, the next spare is linked without them and the
//     prune moves them into it (devspare.go).
//
// Everything a Session starts in the background is one of its Jobs, and
// Close waits for all of it.
package depcache

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
)

// Options are what a Session needs of its build.
type Options struct {
	// App is the app being built.
	App string
	// CacheDir is the build cache (CACHE_DIR).
	CacheDir string
	// Log receives what the session has to say; Report, its cache hits
	// and misses (nil records nothing).
	Log    *buildpack.Logger
	Report *buildpack.Report
	// DevDirs, when not nil, lists the app-relative directories of the
	// devDependencies that the prune step moves out of node_modules
	// (FillHole): the next spare is then linked without them. It is
	// called when that spare is begun.
	DevDirs func() []string
	// Done, when not nil, is closed when the build is cancelled: the
	// spares, which only speed up the next build, are then not made. A
	// save under way is finished (it is atomic: the next build uses it).
	Done <-chan struct{}
}

// Session is the dependency cache of one build. Its zero value is not
// usable: see New. The methods the build's other steps call (AwaitSave,
// FillHole, PruneDone, Jobs) accept a nil Session: a build without one.
type Session struct {
	o     Options
	store cache.Store
	jobs  cache.Jobs
	// shared is set when node_modules shares files with the store (saved
	// or restored by this build).
	shared bool
	// save is the background save of the tree the install made, if any.
	save *backgroundSave
	// spare is closed when the spare of the saved tree is ready (nil when
	// none is being prepared).
	spare <-chan struct{}
	// dev is that spare when it waits for the prune step to move the
	// devDependencies into it.
	dev *devSpare
	// check is the check of the saved tree, once started.
	check *check
	// began is when the session began: a shared file modified before it
	// was damaged before the build restored it.
	began time.Time
}

// New starts the dependency cache session of a build.
func New(o Options) *Session {
	if o.Log == nil {
		o.Log = buildpack.Discard()
	}
	return &Session{o: o, store: cache.NodeModules(o.CacheDir), began: time.Now()}
}

// Jobs is the session's background work, for other cache work of the
// build that Close must wait for (the spare of the Node.js tree).
func (s *Session) Jobs() *cache.Jobs {
	if s == nil {
		return nil
	}
	return &s.jobs
}

// Restore places the saved tree into the app when its key matches key,
// and reports whether it did; otherwise it says why the build installs.
// command is the install command it replaces, for the output.
func (s *Session) Restore(key Key, command []string) bool {
	var m manifest
	r := s.store.Open(&m, func() ([]string, error) {
		if err := m.check(s.store); err != nil {
			return nil, err
		}
		return key.Changes(m.Key), nil
	})
	switch {
	case r.Status == cache.Damaged:
		s.o.Log.Info("Ignoring the cached dependencies (%v): installing", r.Err)
	case r.Status == cache.Miss && len(r.Changed) == 0:
		s.o.Log.Info("No installed dependencies in the cache: installing")
	case r.Status == cache.Miss:
		s.o.Log.Info("Dependencies changed since the cached build (%s): installing", strings.Join(r.Changed, ", "))
	}
	if r.Status != cache.Hit {
		s.o.Report.CacheMiss("node_modules")
		return false
	}
	start := time.Now()
	if _, err := restore(s.store, s.o.App, m); err != nil {
		s.o.Log.Info("Could not restore the cached dependencies (%v): installing", err)
		s.o.Report.CacheMiss("node_modules")
		return false
	}
	s.o.Log.Info("Dependencies unchanged since the cached build: restored %s in %s instead of running %s",
		strings.Join(m.Tree, ", "), buildpack.Elapsed(start), command[0]+" "+command[1])
	s.o.Report.CacheHit("node_modules")
	spare(s.store).Discard()
	s.spare = s.prepareSpare(m, start)
	s.shared = true
	return true
}

// prepareSpare links, in the background, the next spare of the saved tree
// m: without the devDependencies when the prune will move them into it
// (devspare.go; since is when the build may first have changed them),
// else whole. It returns a channel closed when the spare is ready.
func (s *Session) prepareSpare(m manifest, since time.Time) <-chan struct{} {
	ds := s.newDevSpare(m, since)
	if ds == nil {
		return spare(s.store).Prepare(&s.jobs, s.o.App, fillSpare(s.store, m))
	}
	s.dev = ds
	s.jobs.Go(ds.link)
	return ds.ready
}

// backgroundSave is a save of the installed trees running in the
// background.
type backgroundSave struct {
	saved  chan struct{} // closed when the save is over
	done   chan struct{} // closed when its spare is ready too
	trees  []string
	files  int
	took   time.Duration
	err    error
	newest time.Time // see listing
	shown  bool
}

// Save keeps the tree the install step made for the next build, with key:
// it lists the installed trees and saves them (then prepares their spare)
// in the background; when they cannot be listed, it saves them at once.
func (s *Session) Save(key Key) {
	s.shared = true
	trees := findTrees(s.o.App)
	if len(trees) == 0 {
		return
	}
	if !linkable(s.store.Root, s.o.App) {
		// Across filesystems the save copies every file, so there is
		// nothing to check link by link: it is done at once.
		s.SaveNow(key, nil)
		return
	}
	start := time.Now()
	l, err := list(s.store, s.o.App, trees)
	if err != nil {
		s.SaveNow(key, nil)
		return
	}
	bs := &backgroundSave{saved: make(chan struct{}), done: make(chan struct{}), trees: trees, files: l.files, newest: l.newest}
	s.save = bs
	m := manifest{Key: key, Tree: trees}
	ds := s.newDevSpare(m, start)
	s.dev = ds
	s.o.Log.Info("Listed %s (%d files) in %s: saving it for the next build while the build goes on",
		strings.Join(trees, ", "), l.files, buildpack.Elapsed(start))
	s.jobs.Go(func() {
		defer close(bs.done)
		bs.err = saveListed(s.store, s.o.App, key, l)
		bs.took = time.Since(start)
		close(bs.saved)
		switch {
		case bs.err != nil || s.cancelled():
			if ds != nil {
				close(ds.ready) // no spare: the prune discards
			}
		case ds != nil:
			ds.link()
		default: // on the app's filesystem: see linkable above
			_ = spare(s.store).Build(fillSpare(s.store, m))
		}
	})
}

// SaveNow saves the installed tree for the next build at once, then
// prepares its spare in the background. A failure only costs the next
// build its shortcut: it is reported, not fatal. hook may be nil (see
// cache.Hook).
func (s *Session) SaveNow(key Key, hook cache.Hook) {
	s.shared = true
	trees := findTrees(s.o.App)
	if len(trees) == 0 {
		return
	}
	start := time.Now()
	n, err := save(s.store, s.o.App, key, trees, hook)
	if err != nil {
		s.o.Log.Warn("Could not save node_modules for the next build: %v", err)
		return
	}
	s.o.Log.Info("Saved %s (%d files) for the next build in %s", strings.Join(trees, ", "), n, buildpack.Elapsed(start))
	if !s.cancelled() {
		s.spare = spare(s.store).Prepare(&s.jobs, s.o.App, fillSpare(s.store, manifest{Key: key, Tree: trees}))
	}
}

// cancelled reports whether the build was cancelled (Options.Done).
func (s *Session) cancelled() bool {
	select {
	case <-s.o.Done:
		return true
	default:
		return false
	}
}

// linkable reports whether files of app can be hard-linked into the cache
// directory root (created if need be): both on one filesystem.
func linkable(root, app string) bool {
	return os.MkdirAll(root, 0o755) == nil && cache.SameFilesystem(root, app)
}

// AwaitSave waits for a background save of the installed trees (not for
// its spare, which only the check of the saved tree and Close wait for),
// and says once how it went. Every step but the build script and the
// cache save calls it: pruning removes packages the save links.
func (s *Session) AwaitSave() {
	if s == nil || s.save == nil {
		return
	}
	bs := s.save
	waited := time.Now()
	<-bs.saved
	if bs.shown {
		return
	}
	bs.shown = true
	if bs.err != nil {
		s.o.Log.Warn("Could not save node_modules for the next build: %v", bs.err)
		return
	}
	s.o.Log.Info("Saved %s (%d files) for the next build in %s, while the build went on (then waited %s for it)",
		strings.Join(bs.trees, ", "), bs.files, buildpack.Duration(bs.took), buildpack.Elapsed(waited))
}

// check is the check of the saved tree for files rewritten in place.
type check struct {
	done <-chan struct{}
	rel  string
	err  error
}

// StartCheck starts, in the background, the check of the saved tree, once
// the build's programs that may write into node_modules are done; EndCheck
// waits for it and reports. It does nothing when node_modules shares no
// files with the store, or when the check has started. The saved tree
// shares its package files with node_modules (hard links, see
// cache.NodeModules); when a build script rewrote one of them in place,
// the saved copy changed too, and it is dropped rather than handed to the
// next build. The walk costs one stat per saved file (0.2 s for 20,000
// files here), which the pruning that usually follows hides.
func (s *Session) StartCheck() {
	if s.check != nil || !s.shared {
		return
	}
	ck := &check{}
	s.check = ck
	spareReady, bs, ds := s.spare, s.save, s.dev
	var visit cache.Visitor
	if ds != nil {
		// The spare waiting for the devDependencies needs the listing of
		// the saved tree (devspare.go): this walk makes it.
		visit = ds.visit
	}
	ck.done = s.jobs.Go(func() {
		walked := false
		if ds != nil {
			defer func() { ds.endListing(walked && ck.err == nil && ck.rel == "") }()
		}
		// The spare is linked inside the store's directory: let it finish
		// before the check may remove that directory. A background save
		// includes its spare.
		if spareReady != nil {
			<-spareReady
		}
		if bs == nil {
			ck.rel, ck.err = s.store.CheckShared(visit)
			walked = true
			return
		}
		<-bs.done
		if bs.err == nil {
			// The listed files are as old as its newest at most.
			ck.rel, ck.err = s.store.CheckSharedSince(bs.newest, visit)
			walked = true
		}
	})
}

// EndCheck waits for the check StartCheck started, if any, and warns when
// it dropped the store or could not run. A shared file modified before
// the build began (through a slug that shares it, or in the cache itself)
// was restored damaged into node_modules: that is an error, the build's
// node_modules cannot be trusted (the store is dropped all the same, and
// the next build installs afresh).
func (s *Session) EndCheck() error {
	if s.check == nil {
		return nil
	}
	<-s.check.done
	ck := s.check
	if ck.err == nil && ck.rel != "" {
		if fi, err := os.Lstat(filepath.Join(s.o.App, ck.rel)); err == nil && fi.ModTime().Before(s.began) {
			return &buildpack.UserError{
				Msg: fmt.Sprintf("The saved node_modules was damaged before this build: %s was changed after it was saved (at %s), and the build restored it so. "+
					"The saved dependencies are dropped.", filepath.ToSlash(ck.rel), fi.ModTime().Format(time.RFC3339)),
				Hint: "Build again: the next build installs the dependencies afresh. A slug kiln build made shares its node_modules files with the cache: edit a copy of it, not the slug itself.",
			}
		}
	}
	switch {
	case ck.err != nil:
		s.o.Log.Warn("Could not check the saved dependencies (%v); the next build may reinstall", ck.err)
	case ck.rel != "":
		s.o.Log.Warn("The build changed %s in place, a file the dependency cache shares with node_modules: "+
			"the cached dependencies are dropped and the next build installs from scratch. "+
			"Tools that patch packages should write new files (or run in a postinstall script, which turns the dependency cache off).",
			filepath.ToSlash(ck.rel))
	}
	return nil
}

// FillHole moves the installed directory src (info: its Lstat), at rel in
// the app, into its hole in the next spare, and reports whether it did
// (false when no spare waits for the prune, or it has no hole for rel).
func (s *Session) FillHole(src, rel string, info fs.FileInfo) bool {
	if s == nil || s.dev == nil {
		return false
	}
	return s.dev.fill(src, rel, info)
}

// WaitsForPrune reports whether the next spare waits for the prune step to
// fill its holes.
func (s *Session) WaitsForPrune() bool { return s != nil && s.dev != nil }

// PruneDone completes the spare waiting for the devDependencies in the
// background, once: after the prune step filled its holes, or at the end
// of the build.
func (s *Session) PruneDone() {
	if s == nil || s.dev == nil || s.dev.finished {
		return
	}
	s.dev.finished = true
	if s.cancelled() {
		s.jobs.Go(s.dev.abandon)
		return
	}
	s.jobs.Go(s.dev.finish)
}

// Close ends the session at the end of the build, failed or not: it ends a
// listing of the saved tree that no check made (a build that failed before
// it: the filled holes are then linked again), completes the spare if the
// prune did not, and waits for all the background work.
func (s *Session) Close() {
	if s.dev != nil {
		s.dev.endListing(false)
	}
	s.PruneDone()
	s.jobs.Wait()
}

// SavedKey returns the key of the saved tree in the build cache cacheDir,
// when there is a usable one: for a guess, before the install step, at
// whether it will restore.
func SavedKey(cacheDir string) (Key, bool) {
	st := cache.NodeModules(cacheDir)
	var m manifest
	r := st.Open(&m, func() ([]string, error) { return nil, m.check(st) })
	return m.Key, r.Status == cache.Hit
}
