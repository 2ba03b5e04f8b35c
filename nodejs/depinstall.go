package nodejs

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// isInstallStep reports whether a step installs the app's dependencies.
func isInstallStep(name string) bool {
	switch name {
	case stepNPMCI, stepNPMInstall, stepYarnInstall, stepPNPMInstall:
		return true
	}
	return false
}

// installDependencies carries out an install step as the plan's
// dependency_cache setting says: it computes the dependency key from the
// inputs the plan names and restores the saved tree when the key matches;
// otherwise it runs the step's command and saves the tree it produced, with
// the key, before the build script and pruning change it.
func (c *compiler) installDependencies(s buildpack.Step) error {
	c.log.Header("%s", header(s.Name))
	key, err := computeDepKey(c.ctx.AppDir, c.nodeHome(), c.plan, c.env, s.Command)
	if err != nil {
		return err
	}
	cache := depCache{root: c.cacheRoot()}
	cache.removeLeftovers()
	if c.restoreDependencies(cache, key, s) {
		c.stopPrefetch()
		c.sharedDeps = &cache
		return nil
	}
	c.ctx.Report.CacheMiss("node_modules")
	if err := c.exec(s); err != nil {
		return err
	}
	c.saveDependenciesInBackground(cache, key)
	c.sharedDeps = &cache
	return nil
}

// checkSharedDependencies starts, in the background, the check of the saved
// tree, once the build's programs that may write into node_modules are done
// (see lastDependencyWriter), and returns the function that waits for it and
// reports. The saved tree shares its package files with node_modules (hard
// links, see treecache.CloneTree); when a build script rewrote one of them
// in place, the saved copy changed too, and it is dropped rather than handed
// to the next build. The walk costs one stat per saved file (0.2 s for
// 20,000 files here), which the pruning that usually follows hides.
func (c *compiler) checkSharedDependencies() func() {
	var rel string
	var err error
	done := make(chan struct{})
	spare, save, ds := c.depSpare, c.depSave, c.devSpare
	var visit treecache.Visitor
	if ds != nil {
		// The spare waiting for the devDependencies needs the listing of
		// the saved tree (devspare.go): this walk makes it.
		visit = ds.visit
	}
	go func() {
		defer close(done)
		walked := false
		if ds != nil {
			defer func() { ds.endListing(walked && err == nil && rel == "") }()
		}
		// The spare is linked inside the store's directory: let it finish
		// before the check may remove that directory. A background save
		// includes its spare.
		if spare != nil {
			<-spare
		}
		if save == nil {
			rel, err = c.sharedDeps.store().CheckShared(visit)
			walked = true
			return
		}
		<-save.done
		if save.err == nil {
			// The listed files are as old as its newest at most.
			rel, err = c.sharedDeps.store().CheckSharedSince(save.newest, visit)
			walked = true
		}
	}()
	return func() {
		<-done
		switch {
		case err != nil:
			c.log.Warn("Could not check the saved dependencies (%v); the next build may reinstall", err)
		case rel != "":
			c.log.Warn("The build changed %s in place, a file the dependency cache shares with node_modules: "+
				"the cached dependencies are dropped and the next build installs from scratch. "+
				"Tools that patch packages should write new files (or run in a postinstall script, which turns the dependency cache off).",
				filepath.ToSlash(rel))
		}
	}
}

// planDependencyCheck records, when node_modules shares its files with the
// dependency cache, the step after which nothing writes into node_modules
// any more (the last dependency writer, or the install itself): Compile
// checks the saved tree from there on, in the background.
func (pl *planner) planDependencyCheck() error {
	if pl.plan.Settings[setDepKeyFiles] == "" {
		return nil
	}
	steps := pl.plan.Steps
	if last := lastDependencyWriter(steps); last >= 0 {
		pl.plan.Settings[setDepCheckAfter] = steps[last].Name
		return nil
	}
	for _, s := range steps {
		if isInstallStep(s.Name) {
			pl.plan.Settings[setDepCheckAfter] = s.Name
		}
	}
	return nil
}

// dependencyCheckStep is the index of the plan's dependency_check_after
// step, or -1.
func dependencyCheckStep(p buildpack.Plan) int {
	name := p.Settings[setDepCheckAfter]
	for i, s := range p.Steps {
		if name != "" && s.Name == name {
			return i
		}
	}
	return -1
}

// lastDependencyWriter is the index of the last step that may rewrite files
// of node_modules in place: the app's own scripts (hooks, build, Meteor) and
// Yarn's pruning (a production reinstall, which may rebuild packages). npm
// and pnpm pruning only unlink and relink, and kiln's own steps write
// elsewhere. -1 when no step may.
func lastDependencyWriter(steps []buildpack.Step) int {
	last := -1
	for i, s := range steps {
		switch {
		case isInstallStep(s.Name):
			// Before the save, or replaced by the restore.
		case s.Name == stepPrune:
			if len(s.Command) > 0 && s.Command[0] == "yarn" {
				last = i
			}
		case s.Name == stepPrebuild, s.Name == stepBuild, s.Name == stepCleanup,
			s.Name == stepMeteorBuild, s.Name == stepMeteorNPM, s.Name == stepMeteorCleanup:
			last = i
		}
	}
	return last
}

// restoreDependencies restores the saved tree when its key matches, and
// otherwise says why it installs.
func (c *compiler) restoreDependencies(cache depCache, key depKey, s buildpack.Step) bool {
	m, err := cache.load()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.log.Info("No installed dependencies in the cache: installing")
		return false
	case err != nil:
		c.log.Info("Ignoring the cached dependencies (%v): installing", err)
		return false
	}
	if changed := key.changes(m.Key); len(changed) > 0 {
		c.log.Info("Dependencies changed since the cached build (%s): installing", strings.Join(changed, ", "))
		return false
	}
	start := time.Now()
	_, err = cache.restore(c.ctx.AppDir, m)
	if err != nil {
		c.log.Info("Could not restore the cached dependencies (%v): installing", err)
		return false
	}
	c.log.Info("Dependencies unchanged since the cached build: restored %s in %s instead of running %s",
		strings.Join(m.Tree, ", "), buildpack.Elapsed(start), s.Command[0]+" "+s.Command[1])
	c.ctx.Report.CacheHit("node_modules")
	treecache.DiscardSpare(cache.spare())
	c.depSpare = c.prepareDepSpare(cache, m, start)
	return true
}

// prepareDepSpare links, in the background, the next spare of the saved
// tree m: without the devDependencies when the prune will move them into
// it (devspare.go; since is when the build may first have changed them),
// else whole. It returns what prepareSpare does.
func (c *compiler) prepareDepSpare(cache depCache, m depManifest, since time.Time) <-chan struct{} {
	ds := c.newDevSpare(cache, m, since)
	if ds == nil {
		return c.prepareSpare(cache.spare(), cache.fillSpare(m))
	}
	c.devSpare = ds
	c.background.Go(ds.link)
	return ds.ready
}

// saveDependencies keeps the installed tree for the next build. A failure
// only costs the next build its shortcut: it is reported, not fatal.
func (c *compiler) saveDependencies(cache depCache, key depKey, hook treecache.Hook) {
	trees := findTrees(c.ctx.AppDir)
	if len(trees) == 0 {
		return
	}
	start := time.Now()
	n, err := cache.save(c.ctx.AppDir, key, trees, hook)
	if err != nil {
		c.log.Warn("Could not save node_modules for the next build: %v", err)
		return
	}
	c.log.Info("Saved %s (%d files) for the next build in %s", strings.Join(trees, ", "), n, buildpack.Elapsed(start))
	c.depSpare = c.prepareSpare(cache.spare(), cache.fillSpare(depManifest{Key: key, Tree: trees}))
}
