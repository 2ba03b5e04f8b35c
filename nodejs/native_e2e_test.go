package nodejs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2ENativeAddonCold builds, from an empty cache, an app whose
// dependency is a native add-on (hello-addon-1.0.0.tgz, `npm pack` of the
// hello-addon directory: a binding.gyp and a C file using Node-API, built by
// node-gyp during npm ci). The slug's Node.js has no headers: node-gyp must
// find them in the complete distribution of the runtime cache through
// NPM_CONFIG_NODEDIR, since it cannot download them (NODEJS_ORG_MIRROR
// points nowhere, which also makes kiln take Node.js from the npm
// registry). Needs python3, make and a C compiler (.ci/run installs them;
// with CI=true a missing one fails the test).
func TestE2ENativeAddonCold(t *testing.T) {
	skipShort(t)
	t.Parallel()
	for _, tool := range []string{"python3", "make", "cc"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("node-gyp needs %s (CI installs it: see .ci/run)", tool)
			}
			t.Skipf("node-gyp needs %s", tool)
		}
	}
	cache := t.TempDir()
	app := e2eApp(t, "node-e2e-native")
	env := e2eEnv(map[string]string{"NODEJS_ORG_MIRROR": "http://127.0.0.1:9/dist", "HOME": t.TempDir()})
	out, _, err := e2eBuild(t, app, cache, env)
	require.NoError(t, err, out)
	assert.Contains(t, out, "served by the npm registry")
	assertOrder(t, out, "Installing dependencies", "Running npm ci")
	assert.FileExists(t, filepath.Join(app, "node_modules", "hello-addon", "build", "Release", "hello.node"))
	assert.NoDirExists(t, filepath.Join(app, nodeDir, "include"), "the slug has no headers")

	cmd := exec.Command(filepath.Join(app, nodeDir, "bin", "node"), "-e", "console.log(require('hello-addon').hello())")
	cmd.Dir = app
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	assert.Equal(t, "hello from a native add-on", strings.TrimSpace(string(b)))

	tree, _, ok := runtimeStore{dir: filepath.Join(cache, "runtimes")}.find("node", "24.18.0")
	require.True(t, ok, "the runtime is committed")
	assert.FileExists(t, filepath.Join(tree, "include", "node", "node_api.h"))
	left, _ := filepath.Glob(filepath.Join(cache, "runtimes", ".staging-*"))
	assert.Empty(t, left)

	// Warm: the runtime, headers included, comes from the cache.
	app2 := e2eApp(t, "node-e2e-native")
	out2, _, err := e2eBuild(t, app2, cache, env)
	require.NoError(t, err, out2)
	assert.Contains(t, out2, "Using Node.js 24.18.0 from the cache")
	assert.FileExists(t, filepath.Join(app2, "node_modules", "hello-addon", "build", "Release", "hello.node"))
}
