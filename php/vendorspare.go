package php

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// A spare takes the restore of vendor/ off the build's critical path, as
// it does for Node.js (see cache.Spare). Restoring the saved tree link
// by link costs one link per file (20-200 µs depending on the disk and its
// load: 0.15-1.4 s for the 8,000 files of a Laravel vendor/). A ready-made
// copy of the tree, vendor/spare next to vendor/tree, holds the same hard
// links and copies a direct restore would make (see cloneVendor); a warm
// build takes it with a rename per top-level entry, and links the next
// spare in the background while Composer and the compile commands run.
//
// The spare lives inside the store's directory, so a save (which replaces
// that directory) and a dropped cache take it along. It is built under a
// temporary name (.spare-tmp-*) and renamed when complete, and it is taken,
// or discarded, by first renaming it to such a name: a build killed at any
// moment leaves either a complete spare or a leftover that the next build
// removes (cache.Sweep).

// spareTmpPrefix names, in the store's directory, spares being built,
// taken or discarded.
const spareTmpPrefix = cache.SparePrefix

// errSpareStopped is returned by fillSpare when its build was abandoned.
var errSpareStopped = errors.New("abandoned")

// spare is the ready-made copy of the tree for the next restore.
func (v vendorCache) spare() string { return v.store.Spare("").Path }

// takeSpare moves the spare's entries into vendor (the app's vendor/,
// which may already hold kiln's runtimes): each top-level entry by one
// rename, and for vendor/composer, which holds kiln's composer/bin, each
// entry inside it when the app already has that directory. Nothing of the
// spare may exist in vendor yet; on failure what was placed is removed and
// the spare is discarded. It returns cache.ErrNoSpare when there is no
// spare.
func (v vendorCache) takeSpare(vendor string) error {
	claimed, err := v.store.Spare("").Claim()
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(claimed))
	entries, err := os.ReadDir(claimed)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(filepath.Join(vendor, "composer"))
	mergeComposer := err == nil && fi.IsDir()
	type move struct{ rel, from, to string }
	var moves []move
	for _, e := range entries {
		if v.store.Left(e.Name()) {
			return fmt.Errorf("the spare holds vendor/%s", e.Name())
		}
		if e.Name() == "composer" && e.IsDir() && mergeComposer {
			inner, err := os.ReadDir(filepath.Join(claimed, "composer"))
			if err != nil {
				return err
			}
			for _, i := range inner {
				rel := "composer/" + i.Name()
				if v.store.Left(rel) {
					return fmt.Errorf("the spare holds vendor/%s", rel)
				}
				moves = append(moves, move{rel, filepath.Join(claimed, "composer", i.Name()), filepath.Join(vendor, "composer", i.Name())})
			}
			continue
		}
		moves = append(moves, move{e.Name(), filepath.Join(claimed, e.Name()), filepath.Join(vendor, e.Name())})
	}
	for _, m := range moves {
		if _, err := os.Lstat(m.to); err == nil {
			return fmt.Errorf("vendor/%s already exists in the app", m.rel)
		}
	}
	if err := os.MkdirAll(vendor, 0o755); err != nil {
		return err
	}
	rename := v.rename
	if rename == nil {
		rename = os.Rename
	}
	for i, m := range moves {
		if err := rename(m.from, m.to); err != nil {
			for _, placed := range moves[:i] {
				_ = os.RemoveAll(placed.to)
			}
			return err
		}
	}
	return nil
}

// fillSpare links a new spare of the saved tree, under a temporary name
// until it is complete. When stop is set before it is done it gives up
// (errSpareStopped) and removes what it linked.
func (v vendorCache) fillSpare(stop *atomic.Bool) error {
	return v.store.Spare("").Build(func(dst string) error {
		if _, err := v.store.Clone(v.tree(), dst, "", func(string) bool { return stop.Load() }); err != nil {
			return err
		}
		if stop.Load() {
			return errSpareStopped
		}
		return nil
	})
}

// vendorSpare is a spare being linked in the background.
type vendorSpare struct {
	stop atomic.Bool
	done chan struct{}
}

// prepareVendorSpare links, in the background, the spare the next build
// restores from. A failure is silent: the next build restores link by link.
// Compile waits for it (waitVendorSpare) before checking the saved tree.
func (c *compiler) prepareVendorSpare(vc vendorCache) {
	c.waitVendorSpare(true)
	if !cache.SameFilesystem(vc.store.Root, c.ctx.AppDir) {
		return // taking it is a rename into the app: not across filesystems
	}
	s := &vendorSpare{done: make(chan struct{})}
	c.spare = s
	go func() {
		defer close(s.done)
		_ = vc.fillSpare(&s.stop)
	}()
}

// waitVendorSpare waits for the spare being linked, if any; with abandon
// it first tells it to give up (a failed build, or one that drops the
// cache).
func (c *compiler) waitVendorSpare(abandon bool) {
	if c.spare == nil {
		return
	}
	if abandon {
		c.spare.stop.Store(true)
	}
	<-c.spare.done
	c.spare = nil
}
