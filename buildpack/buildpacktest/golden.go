package buildpacktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Golden compares got, as indented JSON, with the file at path. When update
// is true it rewrites the file instead.
func Golden(t *testing.T, path string, got any, update bool) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	GoldenBytes(t, path, append(b, '\n'), update)
}

// GoldenBytes compares got with the file at path, byte for byte. When update
// is true it rewrites the file instead, for the author to review the diff.
func GoldenBytes(t *testing.T, path string, got []byte, update bool) {
	t.Helper()
	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file %s missing; run go test ./cmd/kiln -run TestFixturePlans -update and review it", path)
	assert.Equal(t, string(want), string(got), "golden file %s differs; rerun with -update and review the diff", path)
}

// PlanSettings is the settings object of a golden plan, by buildpack.
type PlanSettings struct {
	// Path is the golden plan's file.
	Path string
	// Buildpack is the plan's buildpack ID.
	Buildpack string
	// Settings is the plan's settings object.
	Settings map[string]string
}

// GoldenPlanSettings reads the settings of every golden plan
// (fixtures/*/expected/plan.json, from a package directory one level
// below the repository root).
func GoldenPlanSettings(t *testing.T) []PlanSettings {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "fixtures", "*", "expected", "plan.json"))
	require.NoError(t, err)
	var out []PlanSettings
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		var doc struct {
			Buildpack string            `json:"buildpack"`
			Settings  map[string]string `json:"settings"`
		}
		require.NoError(t, json.Unmarshal(raw, &doc), path)
		out = append(out, PlanSettings{Path: path, Buildpack: doc.Buildpack, Settings: doc.Settings})
	}
	return out
}
