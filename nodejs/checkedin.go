package nodejs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
)

// A node_modules committed with the app is handled as on the reference
// platform. npm keeps it: `npm rebuild` rebuilds its native modules for this
// machine, then `npm install` (never `npm ci`, which would delete it) adds
// what is missing. Yarn installs into a fresh node_modules: the committed one
// is removed first. With SKIP_NODE_MODULES_CHECK=true the committed tree is
// kept: npm then neither rebuilds nor installs, Yarn installs on top of it.
// pnpm installs on top of it in every case.

// modulesInApp reports whether the app comes with a node_modules directory.
func (pl *planner) modulesInApp() bool { return dirExists(pl.app, "node_modules") }

// keptAsCommitted reports whether an npm app's committed node_modules is
// used as it is: no install, and no pruning either.
func (pl *planner) keptAsCommitted(env buildpack.Env) bool {
	return pl.pm.name == "npm" && pl.modulesInApp() && pl.meteor == "" && env.Bool("SKIP_NODE_MODULES_CHECK")
}

// checkedInSteps returns the steps that replace the install step when
// node_modules is part of the app, and records what is done with it.
func (pl *planner) checkedInSteps(install buildpack.Step, env buildpack.Env, major int) []buildpack.Step {
	keep := env.Bool("SKIP_NODE_MODULES_CHECK")
	switch {
	case pl.keptAsCommitted(env):
		pl.set.CheckedInModules = "node_modules is part of the app and SKIP_NODE_MODULES_CHECK is 'true': used as committed, without npm rebuild, npm install or npm prune"
		pl.plan.Warn("node_modules is checked into the repository and SKIP_NODE_MODULES_CHECK=true: it is used as committed, without rebuilding native modules, installing or pruning anything. Modules built on another machine may not work here.")
		return []buildpack.Step{{Name: install.Name}}
	case pl.pm.name == "npm":
		pm := pl.pm
		pm.lockfile = "" // npm install: npm ci would delete node_modules
		install = npmInstallStep(pm, buildpack.Env{}.Merge(env).With("USE_NPM_INSTALL", "true"), major)
		pl.set.CheckedInModules = "node_modules is part of the app: kept, its native modules rebuilt (npm rebuild), then npm install adds what is missing"
		pl.plan.Warn("node_modules is checked into the repository: kiln keeps it, rebuilds its native modules (npm rebuild) and installs what is missing with npm install instead of npm ci. Better: add node_modules to .gitignore and `git rm -r --cached node_modules`.")
		return []buildpack.Step{{Name: stepNPMRebuild, Command: append([]string{"npm", "rebuild"}, userconfig()...)}, install}
	case pl.pm.name == "yarn" && !keep:
		pl.set.CheckedInModules = "node_modules is part of the app: removed before the install (SKIP_NODE_MODULES_CHECK=true keeps it)"
		pl.plan.Warn("node_modules is checked into the repository: it is removed before yarn install (set SKIP_NODE_MODULES_CHECK=true to keep it). Better: add node_modules to .gitignore and `git rm -r --cached node_modules`.")
		return []buildpack.Step{{Name: stepRemoveModules}, install}
	}
	pl.set.CheckedInModules = "node_modules is part of the app: the install runs on top of it"
	pl.plan.Warn("node_modules is checked into the repository: modules built on another machine may not work here. Add node_modules to .gitignore and `git rm -r --cached node_modules`.")
	return []buildpack.Step{install}
}

// removeModules removes the node_modules committed with a Yarn app.
func (c *compiler) removeModules(buildpack.Step) error {
	c.log.Header("Removing the checked-in node_modules")
	c.log.Info("%s", c.set.CheckedInModules)
	if err := os.RemoveAll(filepath.Join(c.ctx.AppDir, "node_modules")); err != nil {
		return fmt.Errorf("removing the checked-in node_modules: %w", err)
	}
	return nil
}

// keepModules is the install step of an npm app whose committed node_modules
// is used as it is (SKIP_NODE_MODULES_CHECK=true).
func (c *compiler) keepModules(s buildpack.Step) error {
	c.log.Header("%s", header(s.Name))
	c.log.Info("%s", c.set.CheckedInModules)
	return nil
}
