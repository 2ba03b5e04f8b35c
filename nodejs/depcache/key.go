package depcache

import "github.com/kiln-dev/kiln/buildpack/cache"

// KeyFormat changes whenever the key or the saved tree changes meaning; a
// cache with another format is ignored.
const KeyFormat = 1

// Key is everything that decides what a dependency installation produces.
// Two builds with equal keys install the same tree, so the second can
// restore the first's instead of installing again. It is stored as JSON
// next to the saved tree (CACHE_DIR/node/deps/key.json) and compared field
// by field, so the build can say which input changed. The nodejs package
// computes it from the inputs its plan names.
type Key struct {
	Format int    `json:"format"`
	Stack  string `json:"stack"`
	Arch   string `json:"architecture"`
	// Command is the install command, placeholders unexpanded: it carries
	// npm ci vs npm install and --include/--omit=dev.
	Command string `json:"command"`
	// Runtimes are the versions of node, npm, yarn and pnpm as installed.
	Runtimes map[string]string `json:"runtimes"`
	// Files maps each key file to the SHA-256 of its bytes, "absent" when
	// the app has no such file.
	Files map[string]string `json:"files"`
	// Package maps each dependency section of package.json to the SHA-256 of
	// its canonical JSON, "absent" when missing.
	Package map[string]string `json:"package_json"`
	// Env maps each key variable to its value, "<unset>" when unset.
	Env map[string]string `json:"env"`
}

// Changes names the inputs that differ between an old key and k, in a
// stable order: "package-lock.json", "package.json engines", "node version",
// "NPM_CONFIG_PRODUCTION", ...
func (k Key) Changes(old Key) []string {
	var out []string
	if old.Format != k.Format {
		return []string{"the cache format"}
	}
	if old.Stack != k.Stack {
		out = append(out, "stack")
	}
	if old.Arch != k.Arch {
		out = append(out, "architecture")
	}
	out = append(out, cache.MapChanges(old.Runtimes, k.Runtimes, "", " version")...)
	out = append(out, cache.MapChanges(old.Files, k.Files, "", "")...)
	out = append(out, cache.MapChanges(old.Package, k.Package, "package.json ", "")...)
	out = append(out, cache.MapChanges(old.Env, k.Env, "", "")...)
	if old.Command != k.Command {
		out = append(out, "install command")
	}
	return out
}
