package nodejs

import (
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/nodejs/prune"
)

// installDependencies carries out an install step as the plan's
// dependency_cache setting says: it computes the dependency key from the
// inputs the plan names and restores the saved tree when the key matches;
// otherwise it runs the step's command and saves the tree it produced, with
// the key, before the build script and pruning change it (see package
// depcache).
func (c *compiler) installDependencies(s buildpack.Step) error {
	c.log.Header("%s", header(s.Name))
	key, err := computeDepKey(c.ctx.AppDir, c.nodeHome(), c.plan, c.set, c.env, s.Command)
	if err != nil {
		return err
	}
	if c.deps.Restore(key, s.Command) {
		c.stopPrefetch()
		return nil
	}
	if err := c.exec(s); err != nil {
		return err
	}
	c.deps.Save(key)
	return nil
}

// devDirs is, when the prune step moves the lockfile's devDependencies out
// of node_modules first (devprune.go), what lists them for the dependency
// cache, whose next spare then waits for them; else nil.
func (c *compiler) devDirs() func() []string {
	if !c.set.PruneFirst {
		return nil
	}
	return func() []string {
		lock, err := os.ReadFile(filepath.Join(c.ctx.AppDir, c.set.Lockfile))
		if err != nil || !prune.PlainTree(lock) {
			return nil
		}
		return prune.DevDirs(lock)
	}
}

// planDependencyCheck records, when node_modules shares its files with the
// dependency cache, the step after which nothing writes into node_modules
// any more (the last dependency writer, or the install itself): Compile
// checks the saved tree from there on, in the background.
func (pl *planner) planDependencyCheck() error {
	if !pl.set.DepCache {
		return nil
	}
	steps := pl.plan.Steps
	if last := lastDependencyWriter(steps); last >= 0 {
		pl.set.DepCheckAfter = steps[last].Name
		return nil
	}
	for _, s := range steps {
		if isInstallStep(s.Name) {
			pl.set.DepCheckAfter = s.Name
		}
	}
	return nil
}

// dependencyCheckStep is the index of the step named name (the plan's
// dependency_check_after), or -1.
func dependencyCheckStep(steps []buildpack.Step, name string) int {
	for i, s := range steps {
		if name != "" && s.Name == name {
			return i
		}
	}
	return -1
}
