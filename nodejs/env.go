package nodejs

import (
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// lookupAny returns the first set variable among name and its lower-case form
// (npm reads NPM_CONFIG_X and npm_config_x alike).
func lookupAny(env buildpack.Env, name string) (string, bool) {
	if v, ok := env.Lookup(name); ok {
		return v, true
	}
	return env.Lookup(strings.ToLower(name))
}

// buildEnvDefaults returns the variables the build sets because the user did
// not: the documented defaults, the package manager caches, and PATH.
func buildEnvDefaults(env buildpack.Env, pm pmChoice, cacheRoot string, meteor bool) map[string]string {
	out := map[string]string{
		"PATH": phApp + "/" + nodeDir + "/bin:$PATH",
	}
	setDefault := func(name, value string) {
		if _, ok := lookupAny(env, name); !ok {
			out[name] = value
		}
	}
	setDefault("NODE_ENV", "production")
	setDefault("NPM_CONFIG_LOGLEVEL", "error")
	setDefault("NODE_MODULES_CACHE", "true")
	// A larger heap for build tools such as webpack; build time only.
	setDefault("NODE_OPTIONS", "--max_old_space_size=2560")
	// Audit and funding requests only slow a build down and print noise.
	setDefault("NPM_CONFIG_AUDIT", "false")
	setDefault("NPM_CONFIG_FUND", "false")
	setDefault("NPM_CONFIG_UPDATE_NOTIFIER", "false")
	// npm turns on Node.js's compile cache, which keys its entries by file
	// path and writes them under the system's temporary directory. A build
	// directory is new each time, so the build never reads them back and
	// only adds ~540 files (8 MB) per npm command to a directory that grows
	// without bound; on a large one that costs npm 0.2-0.3 s. Build time
	// only; a compile cache the user set up is left alone.
	if _, userCache := env.Lookup("NODE_COMPILE_CACHE"); !userCache {
		setDefault("NODE_DISABLE_COMPILE_CACHE", "1")
	}
	// Native add-ons build against headers node-gyp downloads from
	// NODEJS_ORG_MIRROR: the build serves them (nodejs/headers). A mirror the
	// user set is where Node.js came from, and where the build's server
	// sends node-gyp for any other release. Headers the user chose
	// (nodedir, dist-url) are left alone.
	_, nodedir := lookupAny(env, "NPM_CONFIG_NODEDIR")
	_, distURL := lookupAny(env, "NPM_CONFIG_DIST_URL")
	if !nodedir && !distURL {
		out["NODEJS_ORG_MIRROR"] = phHeaders
	}
	if meteor {
		// Meteor apps keep what they need at runtime in devDependencies.
		setDefault("NPM_CONFIG_PRODUCTION", "false")
	}
	for k, v := range pmCacheEnv(env, pm, cacheRoot) {
		setDefault(k, v)
	}
	return out
}

// pmCacheEnv points the package manager's download cache into the build
// cache (outside the slug).
func pmCacheEnv(env buildpack.Env, pm pmChoice, root string) map[string]string {
	out := map[string]string{"NPM_CONFIG_CACHE": root + "/npm-cache"}
	switch {
	case pm.name == "yarn" && !pm.berry:
		out["YARN_CACHE_FOLDER"] = root + "/yarn-cache"
	case pm.name == "yarn" && pm.linker == "node-modules":
		// Yarn 2+ with node_modules: packages come from a global cache kept
		// in the build cache; the slug keeps no .yarn/cache.
		out["YARN_GLOBAL_FOLDER"] = root + "/yarn-berry"
		out["YARN_ENABLE_GLOBAL_CACHE"] = "true"
		if pm.knowsTelemetry() {
			out["YARN_ENABLE_TELEMETRY"] = "0"
		}
	case pm.name == "yarn":
		// Plug'n'Play loads packages from the cache at runtime: it must stay
		// in the app (.yarn/cache).
		out["YARN_ENABLE_GLOBAL_CACHE"] = "false"
		if pm.knowsTelemetry() {
			out["YARN_ENABLE_TELEMETRY"] = "0"
		}
	case pm.name == "pnpm":
		store := root + "/pnpm-store"
		if m := majorOf(pm.version); m < 0 || m >= 11 {
			out["pnpm_config_store_dir"] = store
		}
		if m := majorOf(pm.version); m < 11 {
			out["npm_config_store_dir"] = store
		}
		if pnpmVerifiesDeps(pm) {
			// pnpm 11 checks node_modules before every `pnpm run` and
			// reinstalls when the project directory changed since the
			// install, which it has when node_modules was restored from
			// the cache: a warning is enough.
			out["pnpm_config_verify_deps_before_run"] = "warn"
		}
	}
	return out
}

// configVars returns the NPM_CONFIG_*, YARN_* and NODE_* variables of env,
// sorted, with secrets masked: what the build prints as its configuration.
func configVars(env buildpack.Env) []string {
	var out []string
	for _, k := range env.Keys() {
		u := strings.ToUpper(k)
		if strings.HasPrefix(u, "NPM_CONFIG_") || strings.HasPrefix(u, "YARN_") || strings.HasPrefix(u, "NODE_") {
			out = append(out, k+"="+buildpack.Mask(k, env[k]))
		}
	}
	sort.Strings(out)
	return out
}

// pnpmVerifiesDeps reports whether the planned pnpm is 11 or later, whose
// default verifyDepsBeforeRun=install makes `pnpm run` reinstall the
// dependencies of a project that moved since its install (the slug runs from
// another directory than the one it was built in).
func pnpmVerifiesDeps(pm pmChoice) bool {
	return pm.name == "pnpm" && majorOf(pm.version) >= 11
}
