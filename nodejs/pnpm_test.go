package nodejs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// compileSteps plans a fixture and compiles only the named steps with a
// recording runner, in a copy of nothing: the steps here write to appDir
// and cacheDir only.
func compileSteps(t *testing.T, fixture string, env map[string]string, appDir, cacheDir string, rec *buildpacktest.RecordingRunner, names ...string) (string, error) {
	t.Helper()
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", fixture))
	ctx.Env = ctx.Env.Merge(env)
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	var steps []buildpack.Step
	for _, n := range names {
		s := p.Step(n)
		require.NotNil(t, s, n)
		steps = append(steps, *s)
	}
	p.Steps = steps
	var out bytes.Buffer
	ctx.AppDir, ctx.CacheDir, ctx.Runner, ctx.Log = appDir, cacheDir, rec, buildpack.NewLogger(&out, nil)
	err = Buildpack{}.Compile(ctx, p)
	return out.String(), err
}

func TestPNPMStorePruneEvery40Builds(t *testing.T) {
	cache := t.TempDir()
	rec := &buildpacktest.RecordingRunner{}
	for i := 1; i <= 2*storePruneEvery; i++ {
		_, err := compileSteps(t, "node-pnpm", nil, t.TempDir(), cache, rec, stepPNPMStorePrune)
		require.NoError(t, err)
		if i == storePruneEvery-1 {
			assert.Empty(t, rec.Calls, "no prune before the 40th build")
		}
	}
	assert.Equal(t, [][]string{{"pnpm", "store", "prune"}, {"pnpm", "store", "prune"}}, rec.Commands())

	// A damaged counter starts a new period.
	counter := filepath.Join(cache, "node", storePruneCounter)
	require.NoError(t, os.WriteFile(counter, []byte("-3\n"), 0o644))
	_, err := compileSteps(t, "node-pnpm", nil, t.TempDir(), cache, rec, stepPNPMStorePrune)
	require.NoError(t, err)
	b, err := os.ReadFile(counter)
	require.NoError(t, err)
	assert.Equal(t, "39\n", string(b))
}

func TestPNPMStorePruneFailureIsAWarning(t *testing.T) {
	cache := t.TempDir()
	counter := filepath.Join(cache, "node", storePruneCounter)
	require.NoError(t, os.MkdirAll(filepath.Dir(counter), 0o755))
	require.NoError(t, os.WriteFile(counter, []byte("1\n"), 0o644))
	rec := &buildpacktest.RecordingRunner{Stub: func(buildpack.Cmd) error {
		return &buildpack.ExitError{Code: 1}
	}}
	out, err := compileSteps(t, "node-pnpm", nil, t.TempDir(), cache, rec, stepPNPMStorePrune)
	require.NoError(t, err)
	assert.Contains(t, out, "pnpm store prune failed")
	b, _ := os.ReadFile(counter)
	assert.Equal(t, "1\n", string(b), "the next build tries again")
}

func TestPNPMPlans(t *testing.T) {
	for _, tc := range []struct {
		fixture   string
		env       map[string]string
		storePrun bool
		profile   bool
	}{
		{"node-pnpm", nil, true, false},
		{"node-pnpm-11", nil, true, true},
		{"node-pnpm-11", map[string]string{"NODE_MODULES_CACHE": "false"}, false, true},
		{"node-hooks", nil, false, false},
	} {
		ctx := fixtureContext(t, filepath.Join("..", "fixtures", tc.fixture))
		ctx.Env = ctx.Env.Merge(tc.env)
		p, err := Buildpack{}.Plan(ctx)
		require.NoError(t, err)
		assert.Equal(t, tc.storePrun, p.Step(stepPNPMStorePrune) != nil, tc.fixture)
		assert.Equal(t, tc.profile, p.Step(stepPNPMProfile) != nil, tc.fixture)
		if tc.profile {
			assert.Equal(t, "warn", p.Steps[0].Env["pnpm_config_verify_deps_before_run"])
		}
	}
}

func TestPNPMProfileScript(t *testing.T) {
	app := t.TempDir()
	_, err := compileSteps(t, "node-pnpm-11", nil, app, t.TempDir(), &buildpacktest.RecordingRunner{}, stepPNPMProfile)
	require.NoError(t, err)
	script := filepath.Join(app, ".profile.d", "pnpm.sh")
	for _, tc := range []struct{ env, want string }{
		{"", "warn"},
		{"pnpm_config_verify_deps_before_run=error", "error"},
	} {
		cmd := exec.Command("sh", "-c", `. "$1"; echo "$pnpm_config_verify_deps_before_run"`, "sh", script)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		if tc.env != "" {
			cmd.Env = append(cmd.Env, tc.env)
		}
		out, err := cmd.Output()
		require.NoError(t, err)
		assert.Equal(t, tc.want, strings.TrimSpace(string(out)))
	}
}

func TestPNPMWorkspaceSetting(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-e2e-pnpm-workspace")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.Contains(t, p.Settings[setPNPMWorkspace], "packages/*")
	assert.Equal(t, []string{"pnpm", "prune", "--prod", "--ignore-scripts", "--config.confirm-modules-purge=false"}, p.Step(stepPrune).Command)

	// A pnpm-workspace.yaml holding settings only is no workspace.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pnpm-workspace.yaml"), []byte("onlyBuiltDependencies:\n  - esbuild\n"), 0o644))
	assert.Empty(t, pnpmWorkspace(dir, pmChoice{name: "pnpm"}))
	assert.Empty(t, pnpmWorkspace("../fixtures/node-e2e-pnpm-workspace", pmChoice{name: "npm"}))
}
