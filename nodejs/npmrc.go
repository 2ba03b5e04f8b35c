package nodejs

import (
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// npmrcEntries yields the key = value lines of an .npmrc, keys trimmed,
// values as written.
func npmrcEntries(rc string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, line := range strings.Split(rc, "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && !yield(strings.TrimSpace(k), v) {
				return
			}
		}
	}
}

// npmrcSets reports whether an .npmrc sets one of keys (as a value or as a
// key[] array entry).
func npmrcSets(rc string, keys ...string) bool {
	for k := range npmrcEntries(rc) {
		if slices.Contains(keys, strings.TrimSuffix(k, "[]")) {
			return true
		}
	}
	return false
}

// npmConfigSet reports whether the build environment (NPM_CONFIG_<KEY> or
// npm_config_<key>) or the app's .npmrc sets one of the npm settings keys.
func npmConfigSet(app string, env buildpack.Env, keys ...string) bool {
	for _, k := range keys {
		if _, ok := lookupAny(env, "NPM_CONFIG_"+strings.ToUpper(k)); ok {
			return true
		}
	}
	rc, err := os.ReadFile(filepath.Join(app, ".npmrc"))
	return err == nil && npmrcSets(string(rc), keys...)
}
