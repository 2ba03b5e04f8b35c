package nodejs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

func TestPNPMPruneCommand(t *testing.T) {
	modern := []string{"pnpm", "prune", "--prod", "--ignore-scripts", "--config.confirm-modules-purge=false"}
	old := []string{"pnpm", "prune", "--prod", "--config.confirm-modules-purge=false"}
	for _, tc := range []struct {
		version   string
		lifecycle []string
		want      []string
	}{
		{"10.34.8", []string{"postinstall"}, modern},
		{"8.15.6", []string{"postinstall"}, modern},
		{"8.15.5", nil, old},
		{"8.0.0", nil, old},
		{"7.33.7", nil, old},
		{"7.33.7", []string{"prepare"}, nil},
		{"8.x", []string{"prepare"}, modern}, // settled by the compiler
	} {
		cmd, why := pnpmPruneCommand(tc.version, tc.lifecycle)
		assert.Equal(t, tc.want, cmd, tc.version)
		if tc.want == nil {
			assert.Contains(t, why, "pnpm 7.33.7 cannot prune without running the lifecycle scripts of package.json (prepare)")
			assert.Contains(t, why, "PNPM_SKIP_PRUNING=true")
		}
	}
}

func TestPNPMLifecycle(t *testing.T) {
	pkg := pkgJSON{raw: gjson.Parse(`{"scripts":{"build":"x","preinstall":"y","prepare":"","pnpm:devPreinstall":"z"}}`)}
	assert.Equal(t, []string{"pnpm:devPreinstall", "preinstall"}, pnpmLifecycle(pkg))
}

// TestPNPMOldPruneSkipPlan: an exact pnpm older than 8.15.6 with a
// postinstall script plans no prune and warns.
func TestPNPMOldPruneSkipPlan(t *testing.T) {
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", "node-pnpm8-lifecycle"))
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.Empty(t, p.Step(stepPrune).Command)
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "pnpm 8.15.5 cannot prune")
}

// TestPNPMPruneForInstalledRange: with a range, the compiler reads the
// installed pnpm's version and runs the command it accepts.
func TestPNPMPruneForInstalledRange(t *testing.T) {
	for _, tc := range []struct {
		installed string
		want      [][]string
	}{
		{"7.33.7", [][]string{{"pnpm", "prune", "--prod", "--config.confirm-modules-purge=false"}}},
		{"8.15.9", [][]string{{"pnpm", "prune", "--prod", "--ignore-scripts", "--config.confirm-modules-purge=false"}}},
	} {
		app := t.TempDir()
		pkgDir := filepath.Join(app, nodeDir, "lib", "node_modules", "pnpm")
		require.NoError(t, os.MkdirAll(pkgDir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(pkgDir, "package.json"), []byte(`{"name":"pnpm","version":"`+tc.installed+`"}`), 0o644))
		rec := &buildpacktest.RecordingRunner{}
		_, err := compileSteps(t, "node-e2e-pnpm7", nil, app, t.TempDir(), rec, stepPrune)
		require.NoError(t, err)
		assert.Equal(t, tc.want, rec.Commands(), tc.installed)
	}
	// Not installed: an error, not a guess.
	rec := &buildpacktest.RecordingRunner{}
	_, err := compileSteps(t, "node-e2e-pnpm7", nil, t.TempDir(), t.TempDir(), rec, stepPrune)
	assert.ErrorContains(t, err, "installed pnpm's version")
	assert.Empty(t, rec.Calls)
}
