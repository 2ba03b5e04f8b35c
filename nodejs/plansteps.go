package nodejs

import (
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/kiln-dev/kiln/buildpack"
)

// npmCacheOutsideCache moves npm's own cache out of the build cache, to the
// build's scratch directory, when the saved node_modules serves the builds
// of an unchanged lockfile (the dependency cache): npm's cache would then
// only serve a build whose lockfile changed, and there it saved nothing
// measurable (the prefetch downloads the lockfile's packages in parallel:
// 19.8 vs 20.0 s on the large bench app, bench/LOCKCHANGE.md) while doubling
// what a platform archives after every build (79.8 vs 38.6 MB). A cache the
// app sets itself (NPM_CONFIG_CACHE) stays where it is.
func (pl *planner) npmCacheOutsideCache(cacheRoot string) {
	if !pl.set.DepCache || pl.pm.name != "npm" {
		return
	}
	s := pl.plan.Step(stepEnvironment)
	if s == nil {
		return
	}
	if env := s.Env; env["NPM_CONFIG_CACHE"] == cacheRoot+"/npm-cache" {
		env["NPM_CONFIG_CACHE"] = phTmp + "/npm-cache"
	}
}

// planSteps lays out the build steps in order.
func (pl *planner) planSteps() error {
	cacheRoot := phTmp
	if pl.cacheEnabled() {
		cacheRoot = phCache + "/node"
	}
	pl.set.PMCache = cacheRoot
	add := func(s buildpack.Step) { pl.plan.Steps = append(pl.plan.Steps, s) }

	add(buildpack.Step{Name: stepEnvironment, Env: buildEnvDefaults(pl.env, pl.pm, cacheRoot, pl.meteor != "")})
	if prefetchable(pl.app, pl.pm) && pl.meteor == "" {
		pl.set.Prefetch = true
		add(buildpack.Step{Name: stepPrefetch})
	}
	pl.set.SlugExcludes = slugExcludes()
	add(buildpack.Step{Name: stepInstallNode})
	if rt := pl.plan.Runtime("npm"); rt.Requested != "" && rt.Version != bundledNPM(pl.plan.Runtime("node").Version) {
		if needsNPMBridge(pl.plan.Runtime("node").Version, rt.Requested) {
			add(buildpack.Step{Name: stepNPMBridge, Command: globalInstall("npm", npmBridgeVersion)})
		}
		add(buildpack.Step{Name: stepInstallNPM, Command: globalInstall("npm", rt.Version)})
	}
	if pl.pm.name != "npm" {
		s := buildpack.Step{Name: stepInstallYarn}
		if pl.pm.name == "pnpm" {
			s.Name = stepInstallPNPM
		}
		if !isExact(pl.pm.version) {
			// A range needs the registry to pick the version: npm does it.
			s.Command = globalInstall(pl.pm.pkg, pl.pm.version)
		}
		add(s)
	}
	if err := pl.planCaches(); err != nil {
		return err
	}
	if pl.cacheEnabled() {
		pl.set.Signature = pl.cacheSignature()
		add(buildpack.Step{Name: stepRestoreCache})
	}
	if s, ok := pl.script("scalingo-prebuild"); ok {
		add(buildpack.Step{Name: stepPrebuild, Command: scriptCommand(pl.pm, s, "")})
	}
	env := pl.effectiveEnv()
	major := npmMajor(&pl.plan)
	install := installStep(pl.pm, env, major)
	if pl.modulesInApp() && pl.meteor == "" {
		steps := pl.checkedInSteps(install, env, major)
		pl.plan.Steps = append(pl.plan.Steps, steps...)
		install = steps[len(steps)-1]
	} else {
		add(install)
	}
	pl.planDependencyCache(install)
	pl.npmCacheOutsideCache(cacheRoot)
	if cmd := pl.buildCommand(); cmd != nil {
		add(buildpack.Step{Name: stepBuild, Command: cmd})
	}
	if pl.cacheEnabled() {
		add(buildpack.Step{Name: stepSaveCache})
	}
	cmd, reason := pruneStep(pl.pm, env, major)
	if cmd != nil && pl.keptAsCommitted(env) {
		cmd, reason = nil, "Skipping because SKIP_NODE_MODULES_CHECK is 'true': node_modules is used as committed"
	}
	if cmd != nil {
		if devPrunable(pl.app, pl.pm, env) && cmd[0] == "npm" && modernNPM(major) {
			pl.set.PruneFirst = true
			pl.set.PruneSkip = pruneSkippable(pl.app, env)
		}
		if cmd[0] == "pnpm" && !isExact(pl.pm.version) {
			pl.set.PNPMPruneCheck = true
			pl.set.PNPMLifecycle = pl.pm.lifecycle
		}
		s := buildpack.Step{Name: stepPrune, Command: cmd}
		if cmd[0] == "yarn" && pl.pm.berry {
			s.Env = map[string]string{"YARN_PLUGINS": yarnPrunePlugin()}
		}
		add(s)
	} else {
		pl.set.PruneOff = reason
		if strings.HasPrefix(reason, pnpmPruneSkipped) {
			pl.plan.Warn(reason)
		}
		add(buildpack.Step{Name: stepPrune})
	}
	pl.set.PNPMWorkspace = pnpmWorkspace(pl.app, pl.pm)
	if pl.pm.name == "pnpm" && pl.cacheEnabled() {
		// The store only grows: every storePruneEvery builds, the packages
		// no project uses any more are removed from it.
		pl.set.StorePrune = true
		add(buildpack.Step{Name: stepPNPMStorePrune, Command: []string{"pnpm", "store", "prune"}})
	}
	if pl.meteor != "" {
		steps, err := pl.meteorSteps()
		if err != nil {
			return err
		}
		pl.plan.Steps = append(pl.plan.Steps, steps...)
	}
	if s, ok := pl.script("scalingo-cleanup"); ok {
		add(buildpack.Step{Name: stepCleanup, Command: scriptCommand(pl.pm, s, "")})
	}
	if pl.env.Bool("NODE_VERBOSE") && pl.meteor == "" {
		add(buildpack.Step{Name: stepListDeps, Command: listCommand(pl.pm)})
	}
	add(buildpack.Step{Name: stepProfile})
	if pl.assets {
		return nil
	}
	if pnpmVerifiesDeps(pl.pm) {
		add(buildpack.Step{Name: stepPNPMProfile})
	}
	add(buildpack.Step{Name: stepWebConcurrency})
	add(buildpack.Step{Name: stepExport, Env: exportVars(pl.pm, cacheRoot)})
	return nil
}

// listCommand lists the app's top-level dependencies (NODE_VERBOSE=true).
func listCommand(pm pmChoice) []string {
	switch {
	case pm.name == "npm":
		return append([]string{"npm", "ls", "--depth=0"}, userconfig()...)
	case pm.name == "yarn" && pm.berry:
		return []string{"yarn", "info", "--name-only"}
	default:
		return []string{pm.name, "list", "--depth=0"}
	}
}

// exportVars are the variables that a buildpack running after this one in
// a multi-buildpack build sees (the classic export file): Node.js and the
// app's executables on PATH, NODE_HOME, the build's default heap size, and
// pnpm's store.
func exportVars(pm pmChoice, cacheRoot string) map[string]string {
	out := map[string]string{
		"PATH":         phApp + "/" + nodeDir + "/bin:$PATH:" + phApp + "/node_modules/.bin",
		"NODE_HOME":    phApp + "/" + nodeDir,
		"NODE_OPTIONS": "${NODE_OPTIONS:---max_old_space_size=2560}",
	}
	if pm.name == "pnpm" && cacheRoot != phTmp {
		for k, v := range pmCacheEnv(buildpack.Env{}, pm, cacheRoot) {
			if strings.HasSuffix(k, "store_dir") {
				out[k] = v
			}
		}
	}
	return out
}

// effectiveEnv is the environment the build commands will see: the user's
// variables plus the defaults of the environment step.
func (pl *planner) effectiveEnv() buildpack.Env {
	return pl.env.Merge(pl.plan.Steps[0].Env)
}

// script returns the name of a defined, non-empty package.json script.
func (pl *planner) script(name string) (string, bool) {
	body, ok := pl.pkg.script(name)
	if !ok || body == "" {
		return "", false
	}
	return name, true
}

// buildCommand picks scalingo-postbuild over build, honours NPM_NO_BUILD and
// NODE_BUILD_FLAGS, and records a notice when a script is left out.
func (pl *planner) buildCommand() []string {
	post, hasPost := pl.pkg.script("scalingo-postbuild")
	_, hasBuild := pl.script("build")
	switch {
	case hasPost:
		if hasBuild {
			pl.set.BuildNotice = `Detected both "build" and "scalingo-postbuild" scripts: running scalingo-postbuild only`
		}
		if post == "" {
			return nil
		}
		return scriptCommand(pl.pm, "scalingo-postbuild", "")
	case !hasBuild:
		return nil
	case pl.env.Bool("NPM_NO_BUILD"):
		pl.set.BuildNotice = `Skipping the "build" script because NPM_NO_BUILD is 'true'`
		return nil
	}
	return scriptCommand(pl.pm, "build", pl.env.Get("NODE_BUILD_FLAGS"))
}

// globalInstall installs a package into the Node.js prefix with npm.
func globalInstall(pkg, version string) []string {
	return append([]string{"npm", "install", "--global", "--no-audit", "--no-fund", pkg + "@" + version}, userconfig()...)
}

// isExact reports whether v is one exact version (not a range).
func isExact(v string) bool {
	_, err := semver.StrictNewVersion(v)
	return err == nil
}
