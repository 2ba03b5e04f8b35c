package nodejs

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// TestE2ENPMBridge builds an app on Node.js 22.22.2 asking for npm 11.x.
// First without the bridge step, to prove the crash is real here (the
// bundled npm 10.9.7 cannot upgrade itself), then as planned: npm ~11.10.0
// first, then the requested npm, and the app serves.
func TestE2ENPMBridge(t *testing.T) {
	skipShort(t)
	t.Parallel()
	cache := t.TempDir()
	st, err := stacks.Load(stacks.DefaultName)
	require.NoError(t, err)

	// The plan without its bridge: the direct self-upgrade crashes.
	app := e2eApp(t, "node-e2e-npm-bridge")
	var out strings.Builder
	env := e2eEnv(nil)
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, Env: env, Stack: st,
		Log: buildpack.NewLogger(&out, env.SecretValues()), Runner: buildpack.ExecRunner{}}
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	var steps []buildpack.Step
	for _, s := range p.Steps {
		if s.Name != stepNPMBridge {
			steps = append(steps, s)
		}
	}
	require.Len(t, steps, len(p.Steps)-1, "the plan has the bridge step")
	p.Steps = steps
	err = Buildpack{}.Compile(ctx, p)
	require.Error(t, err, "npm 10.9.7 upgraded itself to npm 11.x directly: the bridge may no longer be needed\n%s", out.String())
	assert.Contains(t, out.String(), "Cannot find module 'promise-retry'")

	// As planned.
	app = e2eApp(t, "node-e2e-npm-bridge")
	log, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
	require.NoError(t, err, log)
	assertOrder(t, log, "Installing npm ~11.10.0 first", "Installing npm", "Installing dependencies")
	v, err := exec.Command(filepath.Join(app, nodeDir, "bin", "node"), filepath.Join(app, nodeDir, "bin", "npm"), "--version").Output()
	require.NoError(t, err)
	npm := semver.MustParse(strings.TrimSpace(string(v)))
	assert.Equal(t, uint64(11), npm.Major(), "npm %s", npm)
	assert.GreaterOrEqual(t, npm.Minor(), uint64(11), "npm %s: the test no longer covers the crash", npm)
	assert.Contains(t, serve(t, app, "node server.js"), "node v22.22.2, npm "+npm.String())
}
