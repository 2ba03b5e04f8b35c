package nodejs

import (
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/kiln-dev/kiln/buildpack"
)

// planSteps lays out the build steps in order.
func (pl *planner) planSteps() error {
	cacheRoot := phTmp
	if pl.cacheEnabled() {
		cacheRoot = phCache + "/node"
	}
	pl.plan.Settings[setPMCache] = cacheRoot
	add := func(s buildpack.Step) { pl.plan.Steps = append(pl.plan.Steps, s) }

	add(buildpack.Step{Name: stepEnvironment, Env: buildEnvDefaults(pl.env, pl.pm, cacheRoot, pl.meteor != "")})
	pl.plan.Settings[setSlugExcludes] = strings.Join(slugExcludes(), " ")
	add(buildpack.Step{Name: stepInstallNode})
	if rt := pl.plan.Runtime("npm"); rt.Requested != "" && rt.Version != bundledNPM(pl.plan.Runtime("node").Version) {
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
		pl.plan.Settings[setSignature] = pl.cacheSignature()
		add(buildpack.Step{Name: stepRestoreCache})
	}
	if s, ok := pl.script("scalingo-prebuild"); ok {
		add(buildpack.Step{Name: stepPrebuild, Command: scriptCommand(pl.pm, s, "")})
	}
	env := pl.effectiveEnv()
	major := npmMajor(&pl.plan)
	install := installStep(pl.pm, env, major)
	add(install)
	pl.planDependencyCache(install)
	if cmd := pl.buildCommand(); cmd != nil {
		add(buildpack.Step{Name: stepBuild, Command: cmd})
	}
	if pl.cacheEnabled() {
		add(buildpack.Step{Name: stepSaveCache})
	}
	if cmd, reason := pruneStep(pl.pm, env, major); cmd != nil {
		add(buildpack.Step{Name: stepPrune, Command: cmd})
	} else {
		pl.plan.Settings[setPrune] = reason
		add(buildpack.Step{Name: stepPrune})
	}
	if pl.meteor != "" {
		pl.plan.Steps = append(pl.plan.Steps, pl.meteorSteps()...)
	}
	if s, ok := pl.script("scalingo-cleanup"); ok {
		add(buildpack.Step{Name: stepCleanup, Command: scriptCommand(pl.pm, s, "")})
	}
	add(buildpack.Step{Name: stepProfile})
	if !pl.assets {
		add(buildpack.Step{Name: stepWebConcurrency})
	}
	return nil
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
			pl.plan.Settings[setBuildNotice] = `Detected both "build" and "scalingo-postbuild" scripts: running scalingo-postbuild only`
		}
		if post == "" {
			return nil
		}
		return scriptCommand(pl.pm, "scalingo-postbuild", "")
	case !hasBuild:
		return nil
	case pl.env.Bool("NPM_NO_BUILD"):
		pl.plan.Settings[setBuildNotice] = `Skipping the "build" script because NPM_NO_BUILD is 'true'`
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
