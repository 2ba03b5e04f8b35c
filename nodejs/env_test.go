package nodejs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestCompileCacheOffUnlessTheUserSetsIt: the build turns Node.js's compile
// cache off (npm would write it under /tmp for a path never seen again),
// unless the user configured it either way.
func TestCompileCacheOffUnlessTheUserSetsIt(t *testing.T) {
	for env, want := range map[string]string{
		"":                               "1",
		"NODE_COMPILE_CACHE=/cache/node": "",
		"NODE_DISABLE_COMPILE_CACHE=0":   "",
	} {
		e := buildpack.Env{}
		if k, v, ok := strings.Cut(env, "="); ok {
			e[k] = v
		}
		got := buildEnvDefaults(e, pmChoice{name: "npm"}, phCache, false)
		assert.Equal(t, want, got["NODE_DISABLE_COMPILE_CACHE"], env)
	}
}
