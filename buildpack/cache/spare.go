package cache

import (
	"errors"
	"os"
	"path/filepath"
)

// A Spare is a ready-made copy of a saved tree, kept next to it, that a
// build takes with a rename instead of placing the tree file by file.
// Placing a tree by hard links costs one link per file, 40-130 µs on the
// build machines' filesystems: 0.3 s for Node.js with npm, 1-2.5 s for a
// node_modules of 20,000 files. A tree cannot be moved out of the cache
// (the next build needs it), but its spare can; the build then links the
// next spare in the background (Prepare) while its programs run. A spare
// holds the same hard links and copies a placement would (see
// Store.Clone), so it is as safe.
//
// Spares are built, claimed and discarded under temporary names
// (SparePrefix) in their directory, so a build killed at any moment leaves
// either a complete spare under its name or a leftover that Sweep deletes.
type Spare struct {
	// Path is where the spare waits.
	Path string
}

// SparePrefix names, in a spare's directory, spares being built, claimed
// or discarded.
const SparePrefix = ".spare-tmp-"

// ErrNoSpare is returned by Claim when there is no spare to take.
var ErrNoSpare = errors.New("no spare")

// Take moves the spare to dst (whose parent is created) with one rename,
// and reports whether it did.
func (sp Spare) Take(dst string) bool {
	if _, err := os.Stat(sp.Path); err != nil {
		return false
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false
	}
	return os.Rename(sp.Path, dst) == nil
}

// Claim renames the spare to a temporary name next to it and returns that
// name, for a caller that takes it apart (entry by entry): from then on no
// other build can take it, and if this one is killed Sweep removes it. The
// caller removes filepath.Dir of the returned path when done with it.
func (sp Spare) Claim() (string, error) {
	if _, err := os.Lstat(sp.Path); err != nil {
		return "", ErrNoSpare
	}
	tmp, err := os.MkdirTemp(filepath.Dir(sp.Path), SparePrefix)
	if err != nil {
		return "", err
	}
	claimed := filepath.Join(tmp, "t")
	if err := os.Rename(sp.Path, claimed); err != nil {
		_ = os.Remove(tmp)
		return "", ErrNoSpare
	}
	return claimed, nil
}

// Discard removes the spare, if any, without ever leaving a partial one
// under its name.
func (sp Spare) Discard() {
	if claimed, err := sp.Claim(); err == nil {
		_ = os.RemoveAll(filepath.Dir(claimed))
	}
}

// Build makes a new spare: fill creates it under a temporary name (the
// directory it is given does not exist yet), and only a complete one
// replaces the previous spare.
func (sp Spare) Build(fill func(dst string) error) error {
	p, err := sp.Start()
	if err != nil {
		return err
	}
	if err := fill(p.Dir()); err != nil {
		p.Abandon()
		return err
	}
	return p.Commit()
}

// Prepare builds a new spare with fill in the background, as one of jobs
// (nil: on its own), and returns a channel closed when it is done. A spare
// is taken by a rename into the app, so when the spare's directory and app
// are on different filesystems nothing is built (linking it would only
// cost the build CPU) and the channel is closed at once. Failures are
// silent: the next build then places the tree link by link.
func (sp Spare) Prepare(jobs *Jobs, app string, fill func(dst string) error) <-chan struct{} {
	if !SameFilesystem(filepath.Dir(sp.Path), app) {
		done := make(chan struct{})
		close(done)
		return done
	}
	return jobs.Go(func() { _ = sp.Build(fill) })
}

// A Partial is a spare built in several parts, by different hands: begun
// by Start under a temporary name, filled by its callers (links,
// directories moved in), then put in place by Commit or thrown away by
// Abandon. Until Commit nothing of it is under the spare's name.
type Partial struct {
	spare Spare  // where the spare goes
	tmp   string // its temporary directory, next to it
}

// Start begins a spare.
func (sp Spare) Start() (*Partial, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(sp.Path), SparePrefix)
	if err != nil {
		return nil, err
	}
	return &Partial{spare: sp, tmp: tmp}, nil
}

// Dir is where the spare's tree is built; it does not exist at first.
func (p *Partial) Dir() string { return filepath.Join(p.tmp, "t") }

// Commit replaces the spare, if any, with this one.
func (p *Partial) Commit() error {
	defer os.RemoveAll(p.tmp)
	p.spare.Discard()
	return os.Rename(p.Dir(), p.spare.Path)
}

// Abandon removes what was built.
func (p *Partial) Abandon() { _ = os.RemoveAll(p.tmp) }
