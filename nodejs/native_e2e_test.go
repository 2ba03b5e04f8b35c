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
// node-gyp during npm ci). Neither the slug nor the runtime cache has the
// Node.js headers: node-gyp must download them from the build's own
// nodejs.org mirror (nodejs/headers), made from the verified archive, since
// nodejs.org itself is unreachable (NODEJS_ORG_MIRROR points nowhere, which
// also makes kiln take Node.js from the npm registry). HOME is a fresh
// directory, so node-gyp has no headers of its own (~/.cache/node-gyp) and
// reads no ~/.npmrc. Needs python3, make and a C compiler (.ci/run installs
// them; with CI=true a missing one fails the test).
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
	home := t.TempDir()
	env := e2eEnv(map[string]string{"NODEJS_ORG_MIRROR": "http://127.0.0.1:9/dist", "HOME": home})
	out, _, err := e2eBuild(t, app, cache, env)
	require.NoError(t, err, out)
	assert.Contains(t, out, "served by the npm registry")
	assertOrder(t, out, "Installing dependencies", "Running npm ci", "Serving the C headers of Node.js 24.18.0 to node-gyp (made from the verified Node.js archive")
	assert.FileExists(t, filepath.Join(app, "node_modules", "hello-addon", "build", "Release", "hello.node"))
	assert.NoDirExists(t, filepath.Join(app, nodeDir, "include"), "the slug has no headers")
	assert.FileExists(t, filepath.Join(home, ".cache", "node-gyp", "24.18.0", "include", "node", "node_api.h"), "node-gyp downloaded the headers")
	assertAddonLoads(t, app)

	_, ok := (tool{name: "node", version: "24.18.0", record: filepath.Join(cache, "runtimes", "node-24.18.0.json")}).find()
	require.True(t, ok, "the runtime is recorded")
	made, _ := filepath.Glob(filepath.Join(cache, "runtimes", "headers", "node-v24.18.0-*-headers.tar.gz"))
	assert.Len(t, made, 1, "the headers tarball is kept for the next build")
	left, _ := filepath.Glob(filepath.Join(cache, "runtimes", ".staging-*"))
	assert.Empty(t, left)

	// Warm, with the saved node_modules dropped so that npm ci runs and
	// node-gyp (with a new HOME) asks for the headers again: the runtime
	// and the headers tarball come from the cache.
	require.NoError(t, os.RemoveAll(filepath.Join(cache, "node", "deps")))
	app2 := e2eApp(t, "node-e2e-native")
	env["HOME"] = t.TempDir()
	out2, _, err := e2eBuild(t, app2, cache, env)
	require.NoError(t, err, out2)
	assert.Contains(t, out2, "Unpacking Node.js 24.18.0 from its archive in the cache")
	assertOrder(t, out2, "Running npm ci", "Serving the C headers of Node.js 24.18.0 to node-gyp (kept from an earlier build)")
	assertAddonLoads(t, app2)
}

// assertAddonLoads runs the slug's Node.js on the built add-on.
func assertAddonLoads(t *testing.T, app string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(app, nodeDir, "bin", "node"), "-e", "console.log(require('hello-addon').hello())")
	cmd.Dir = app
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	assert.Equal(t, "hello from a native add-on", strings.TrimSpace(string(b)))
}
