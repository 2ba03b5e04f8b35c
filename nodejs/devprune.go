package nodejs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/prune"
)

// Pruning with npm costs npm's start, its reading of the lockfile and the
// tree, and then one unlink per file of every devDependency: on a large app
// 15,000 files, seconds of a build. The lockfile already says which
// packages are devDependencies ("dev": true), so kiln moves those
// directories out of node_modules first, a rename each: into the next
// build's copy of the dependency cache when one waits for them
// (package depcache), else to be removed outside the build's time when it can
// (kiln build: after the slug is in place) or while npm runs (see also
// pruneskip.go); package prune reads the lockfile and node_modules. `npm
// prune` still runs and stays the authority: it removes what else should
// go (packages the build added, their links), rewrites
// node_modules/.package-lock.json, and would put back from its cache a
// package kiln moved that it wanted to keep.

// devPrunable tells whether the npm prune step can start by moving the
// lockfile's devDependencies out: npm with a v2+ lockfile of a project
// without workspaces or linked packages, and no npm setting that would
// make `npm prune --omit=dev` keep devDependencies.
func devPrunable(app string, pm pmChoice, env buildpack.Env) bool {
	// include (or its older spelling, also) wins over --omit=dev.
	if npmConfigSet(app, env, "include", "also") {
		return false
	}
	b, ok := npmLockfile(app, pm)
	return ok && prune.PlainTree(b)
}

// movedPackages is the result of moving devDependencies out of the app.
type movedPackages struct {
	count int
	kept  int      // of them, moved into the next build's spare
	paths []string // relative to the app, as the lockfile names them
	dir   string   // where the others went ("" when none did)
	took  time.Duration
}

// moveDevPackages moves the installed devDependencies listed in the
// lockfile out of node_modules: into the next build's spare when it waits
// for them (package depcache), else into a fresh directory, under the build's
// discard directory when there is one on the app's filesystem, else a
// hidden one in the app that the caller removes. Then it removes the links
// of node_modules/.bin (at every level) that pointed into them, as npm
// prune would have.
func (c *compiler) moveDevPackages(lock []byte) (movedPackages, error) {
	start := time.Now()
	app := c.ctx.AppDir
	if !prune.PlainTree(lock) {
		return movedPackages{}, fmt.Errorf("%s now has workspaces or linked packages", c.set.Lockfile)
	}
	dirs := prune.DevDirs(lock)
	var dest string
	var moved []string
	kept, discarded := 0, 0
	for _, rel := range dirs {
		src, err := fetch.SafeJoin(app, rel)
		if err != nil {
			return movedPackages{}, err
		}
		fi, err := os.Lstat(src)
		if err != nil || !fi.IsDir() {
			continue // not installed here (another platform's optional package), or a link
		}
		if c.deps.FillHole(src, rel, fi) {
			// Into the next build's spare, which has a hole for it
			// (depcache); else discarded.
			moved = append(moved, rel)
			kept++
			continue
		}
		if dest == "" {
			parent, prefix := app, ".kiln-devDependencies-"
			if c.ctx.DiscardDir != "" {
				parent, prefix = c.ctx.DiscardDir, "devDependencies-"
			}
			if dest, err = os.MkdirTemp(parent, prefix); err != nil {
				return movedPackages{}, err
			}
		}
		to := filepath.Join(dest, fmt.Sprint(discarded))
		err = os.Rename(src, to)
		if errors.Is(err, syscall.EXDEV) && c.ctx.DiscardDir != "" && discarded == 0 {
			// The discard directory is on another filesystem: use the app.
			_ = os.Remove(dest)
			if dest, err = os.MkdirTemp(app, ".kiln-devDependencies-"); err != nil {
				return movedPackages{}, err
			}
			to = filepath.Join(dest, "0")
			err = os.Rename(src, to)
		}
		if err != nil {
			prune.RemoveBinLinks(app, moved) // npm prune does not know the moved ones
			return movedPackages{count: len(moved), kept: kept, paths: moved, dir: dest}, fmt.Errorf("moving %s: %w", rel, err)
		}
		moved = append(moved, rel)
		discarded++
	}
	prune.RemoveBinLinks(app, moved)
	return movedPackages{count: len(moved), kept: kept, paths: moved, dir: dest, took: time.Since(start)}, nil
}

// pruneNPM is the npm prune step with the lockfile's devDependencies moved
// out first, and npm prune itself skipped when the plan allows it and
// nothing is left for it to do. Moving is an optimisation: when it fails,
// npm prune does all the work as usual.
func (c *compiler) pruneNPM(s buildpack.Step) error {
	c.log.Header("%s", header(s.Name))
	lockName := c.set.Lockfile
	lock, err := os.ReadFile(filepath.Join(c.ctx.AppDir, lockName))
	var m movedPackages
	if err == nil {
		m, err = c.moveDevPackages(lock)
	}
	runNPM := true
	switch {
	case err != nil:
		c.log.Warn("Could not move devDependencies out of node_modules (%v); npm prune removes them", err)
	case m.count > 0:
		c.log.Info("Moved the %d devDependencies of %s out of node_modules in %s%s", m.count, lockName, m.took.Round(time.Millisecond), keptNote(m))
	}
	c.deps.PruneDone()
	removed := make(chan error, 1)
	if m.dir != "" && filepath.Dir(m.dir) == c.ctx.AppDir {
		// In the slug: removed while npm runs.
		go func() { removed <- os.RemoveAll(m.dir) }()
	} else {
		removed <- nil
	}
	if err == nil && c.set.PruneSkip {
		if why := c.pruneWithoutNPM(lock, m.paths); why == "" {
			c.log.Info("node_modules holds exactly the production packages of %s: nothing is left for npm prune to do", lockName)
			runNPM = false
		} else {
			c.log.Info("npm prune has work left: %s", why)
		}
	}
	var runErr error
	if runNPM {
		runErr = c.exec(s)
	}
	if rerr := <-removed; rerr != nil && runErr == nil {
		runErr = fmt.Errorf("removing the devDependencies moved out of node_modules: %w", rerr)
	}
	return runErr
}

// keptNote says how many of the moved devDependencies wait in the cache for
// the next build's restore.
func keptNote(m movedPackages) string {
	switch m.kept {
	case 0:
		return ""
	case m.count:
		return " (kept in the cache for the next build)"
	}
	return fmt.Sprintf(" (%d kept in the cache for the next build)", m.kept)
}
