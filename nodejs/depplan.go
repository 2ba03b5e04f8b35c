package nodejs

import (
	"github.com/kiln-dev/kiln/buildpack"
)

// planDependencyCache records whether the install step may be replaced by
// restoring the dependency tree of an earlier build, and what the dependency
// key is made of. Compile computes the key from exactly these inputs right
// before the install (after scalingo-prebuild, which may change them) and
// compares it with the key saved next to the tree; the rule itself is
// settled here:
//
//   - dependency_cache says what happens, in words;
//   - dependency_key_files, dependency_key_package_json and
//     dependency_key_env list the key's inputs (with the stack, the
//     architecture, the installed versions of the plan's runtimes and the
//     install command, which are always part of it).
//
// The tree is restored only when the install is reproducible (a lockfile),
// the root package has no install lifecycle script (whose effects may reach
// outside node_modules), the package manager is npm, pnpm or Yarn 1 (Yarn 2+
// keeps install state outside node_modules, and with Plug'n'Play its whole
// output), and the app does not carry its own node_modules.
func (pl *planner) planDependencyCache(install buildpack.Step) {
	s := &pl.set
	if reason := pl.dependencyCacheOff(); reason != "" {
		s.DepCacheOff = reason
		return
	}
	s.DepCache, s.InstallStep = true, install.Name
	s.DepKeyFiles = depKeyFiles(pl.pm.lockfile)
	s.DepKeyPackage = depKeyPackageSections()
	s.DepKeyEnv = depKeyEnv(pl.effectiveEnv())
	// The tree cache holds node_modules: the generic cache must not copy it too.
	pl.plan.Caches = without(pl.plan.Caches, "node_modules")
}

// dependencyCacheOff says why the dependency tree is always installed, or
// returns "" when it may be restored.
func (pl *planner) dependencyCacheOff() string {
	switch {
	case !pl.cacheEnabled():
		return "the cache is disabled (NODE_MODULES_CACHE=false)"
	case pl.pm.lockfile == "":
		return "no lockfile, so the installation is not reproducible"
	case pl.pm.name == "yarn" && pl.pm.berry && pl.pm.linker != "node-modules":
		return "Yarn Plug'n'Play installs into .yarn, not node_modules"
	case pl.pm.name == "yarn" && pl.pm.berry:
		return "Yarn 2+ keeps its install state outside node_modules (.yarn/install-state.gz)"
	case dirExists(pl.app, "node_modules"):
		return "node_modules is part of the app"
	}
	for _, name := range installScripts() {
		if _, ok := pl.pkg.script(name); ok {
			return "package.json defines a " + name + " script, which runs during every install"
		}
	}
	return ""
}
