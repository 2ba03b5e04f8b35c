package nodejs

import (
	"fmt"

	"github.com/kiln-dev/kiln/buildpack"
)

// npmMajor is the major version of the npm that will run the install: the
// requested one, the bundled one, or -1 when unknown.
func npmMajor(p *buildpack.Plan) int {
	if rt := p.Runtime("npm"); rt != nil {
		return majorOf(rt.Version)
	}
	return -1
}

// modernNPM reports whether npm understands --include/--omit (npm 7+). An
// unknown version counts as modern: every supported Node.js bundles npm 10+.
func modernNPM(major int) bool { return major < 0 || major >= 7 }

// userconfig makes npm read the app's .npmrc (and nothing from the build
// machine's home directory), as the reference platform does.
func userconfig() []string { return []string{"--userconfig", phApp + "/.npmrc"} }

// npmInstallStep returns the npm ci or npm install step.
func npmInstallStep(pm pmChoice, env buildpack.Env, major int) buildpack.Step {
	useCI := pm.lockfile != "" && (major < 0 || major >= 6)
	if v, ok := env.Lookup("USE_NPM_INSTALL"); ok {
		useCI = v != "true"
	}
	name, verb := stepNPMInstall, "install"
	if useCI {
		name, verb = stepNPMCI, "ci"
	}
	cmd := []string{"npm", verb}
	prod, _ := lookupAny(env, "NPM_CONFIG_PRODUCTION")
	if modernNPM(major) {
		// npm 7+ ignores --unsafe-perm (scripts always run as the current
		// user; npm 12 rejects the flag) and deprecates --production since
		// npm 9. With NODE_ENV=production npm would omit devDependencies,
		// so they are included explicitly unless NPM_CONFIG_PRODUCTION=true.
		if prod == "true" {
			cmd = append(cmd, "--omit=dev")
		} else {
			cmd = append(cmd, "--include=dev")
		}
	} else {
		if prod == "" {
			prod = "false"
		}
		cmd = append(cmd, "--production="+prod, "--unsafe-perm")
	}
	return buildpack.Step{Name: name, Command: append(cmd, userconfig()...)}
}

// installStep returns the dependency installation step for the manager.
func installStep(pm pmChoice, env buildpack.Env, major int) buildpack.Step {
	switch {
	case pm.name == "npm":
		return npmInstallStep(pm, env, major)
	case pm.name == "yarn" && pm.berry:
		cmd := []string{"yarn", "install"}
		if pm.lockfile != "" {
			cmd = append(cmd, "--immutable")
		}
		return buildpack.Step{Name: stepYarnInstall, Command: cmd}
	case pm.name == "yarn":
		prod := env.Default("YARN_PRODUCTION", "false")
		cmd := []string{"yarn", "install", "--production=" + prod}
		if pm.lockfile != "" {
			cmd = append(cmd, "--frozen-lockfile")
		}
		return buildpack.Step{Name: stepYarnInstall, Command: append(cmd, "--ignore-engines", "--prefer-offline")}
	default:
		// NODE_ENV=production would make pnpm skip devDependencies.
		cmd := []string{"pnpm", "install", "--prod=false"}
		if pm.lockfile != "" {
			cmd = append(cmd, "--frozen-lockfile")
		} else {
			cmd = append(cmd, "--no-frozen-lockfile")
		}
		if r := env.Get("PNPM_INSTALL_REPORTER"); validReporter(r) {
			cmd = append(cmd, "--reporter="+r)
		}
		return buildpack.Step{Name: stepPNPMInstall, Command: cmd}
	}
}

func validReporter(r string) bool {
	switch r {
	case "default", "ndjson", "append-only", "silent":
		return true
	}
	return false
}

// scriptCommand runs a package.json script through the package manager;
// extra, when not empty, is passed to the script as one argument.
func scriptCommand(pm pmChoice, script, extra string) []string {
	cmd := []string{pm.name, "run", script}
	if extra == "" {
		return cmd
	}
	if pm.name == "npm" {
		cmd = append(cmd, "--")
	}
	return append(cmd, extra)
}

// pruneStep returns the command that removes devDependencies, or the reason
// pruning is skipped.
func pruneStep(pm pmChoice, env buildpack.Env, major int) ([]string, string) {
	nodeEnv := env.Default("NODE_ENV", "production")
	if nodeEnv != "production" {
		return nil, fmt.Sprintf("Skipping because NODE_ENV is '%s'", nodeEnv)
	}
	switch {
	case pm.name == "npm":
		if v, ok := lookupAny(env, "NPM_CONFIG_PRODUCTION"); ok {
			return nil, fmt.Sprintf("Skipping because NPM_CONFIG_PRODUCTION is '%s'", v)
		}
		if modernNPM(major) {
			return append([]string{"npm", "prune", "--omit=dev"}, userconfig()...), ""
		}
		return append([]string{"npm", "prune", "--production"}, userconfig()...), ""
	case pm.name == "yarn" && pm.berry:
		if env.Bool("YARN2_SKIP_PRUNING") {
			return nil, "Skipping because YARN2_SKIP_PRUNING is 'true'"
		}
		return []string{"yarn", yarnPruneCommand}, ""
	case pm.name == "yarn":
		if v, ok := env.Lookup("YARN_PRODUCTION"); ok {
			return nil, fmt.Sprintf("Skipping because YARN_PRODUCTION is '%s'", v)
		}
		cmd := []string{"yarn", "install", "--production=true"}
		if pm.lockfile != "" {
			cmd = append(cmd, "--frozen-lockfile")
		}
		return append(cmd, "--ignore-engines", "--ignore-scripts", "--prefer-offline"), ""
	default:
		if env.Bool("PNPM_SKIP_PRUNING") {
			return nil, "Skipping because PNPM_SKIP_PRUNING is 'true'"
		}
		return pnpmPruneCommand(pm.version, pm.lifecycle)
	}
}
