package nodejs

import (
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

// TestExportFile sources the export file as a following buildpack would.
func TestExportFile(t *testing.T) {
	app := filepath.Join(t.TempDir(), `build "$x"`)
	require.NoError(t, os.MkdirAll(app, 0o755))
	cache := t.TempDir()
	export := filepath.Join(t.TempDir(), "export")
	ctx := fixtureContext(t, "../fixtures/node-pnpm")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	p.Steps = []buildpack.Step{*p.Step(stepExport)}
	ctx.AppDir, ctx.CacheDir, ctx.ExportFile = app, cache, export
	ctx.Runner, ctx.Log = &buildpacktest.RecordingRunner{}, buildpack.Discard()
	require.NoError(t, Buildpack{}.Compile(ctx, p))

	cmd := exec.Command("bash", "-c", `. "$1"; printf '%s\n' "$PATH" "$NODE_HOME" "$NODE_OPTIONS" "$npm_config_store_dir"`, "bash", export)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, app+"/.scalingo/node/bin:/usr/bin:/bin:"+app+"/node_modules/.bin", lines[0])
	assert.Equal(t, app+"/.scalingo/node", lines[1])
	assert.Equal(t, "--max_old_space_size=2560", lines[2])
	assert.Equal(t, cache+"/node/pnpm-store", lines[3])

	// A user NODE_OPTIONS wins; no export file asked for: nothing written.
	cmd = exec.Command("bash", "-c", `. "$1"; echo "$NODE_OPTIONS"`, "bash", export)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "NODE_OPTIONS=--max-old-space-size=100"}
	out, err = cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "--max-old-space-size=100\n", string(out))
	require.NoError(t, os.Remove(export))
	ctx.ExportFile = ""
	require.NoError(t, Buildpack{}.Compile(ctx, p))
	assert.NoFileExists(t, export)
}

func TestExportFileUnwritableIsAWarning(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-hooks")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	p.Steps = []buildpack.Step{*p.Step(stepExport)}
	ctx.AppDir, ctx.ExportFile = t.TempDir(), filepath.Join(t.TempDir(), "missing", "export")
	ctx.Runner, ctx.Log = &buildpacktest.RecordingRunner{}, buildpack.Discard()
	assert.NoError(t, Buildpack{}.Compile(ctx, p))
}

func TestPHPAssetsPlanHasNoExportOrPNPMProfile(t *testing.T) {
	p, err := Buildpack{}.PlanAssets(fixtureContext(t, "../fixtures/node-pnpm-11"))
	require.NoError(t, err)
	assert.Nil(t, p.Step(stepExport))
	assert.Nil(t, p.Step(stepPNPMProfile))
}

func TestNodeVerboseListing(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-hooks")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.Nil(t, p.Step(stepListDeps), "only with NODE_VERBOSE=true")

	for fixture, want := range map[string][]string{
		"node-verbose":    {"npm", "ls", "--depth=0", "--userconfig", "$APP/.npmrc"},
		"node-yarn1":      {"yarn", "list", "--depth=0"},
		"node-yarn-berry": {"yarn", "info", "--name-only"},
		"node-pnpm":       {"pnpm", "list", "--depth=0"},
	} {
		ctx := fixtureContext(t, filepath.Join("..", "fixtures", fixture))
		ctx.Env = ctx.Env.With("NODE_VERBOSE", "true")
		p, err := Buildpack{}.Plan(ctx)
		require.NoError(t, err)
		s := p.Step(stepListDeps)
		require.NotNil(t, s, fixture)
		assert.Equal(t, want, s.Command, fixture)
	}

	// npm ls exits 1 on an extraneous package: the build goes on.
	ctx = fixtureContext(t, "../fixtures/node-verbose")
	p, err = Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	p.Steps = []buildpack.Step{*p.Step(stepListDeps)}
	rec := &buildpacktest.RecordingRunner{Stub: func(buildpack.Cmd) error { return &buildpack.ExitError{Code: 1} }}
	ctx.AppDir, ctx.Runner, ctx.Log = t.TempDir(), rec, buildpack.Discard()
	assert.NoError(t, Buildpack{}.Compile(ctx, p))
	assert.Len(t, rec.Calls, 1)
}
