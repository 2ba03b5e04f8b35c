package buildpacktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
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

// FixtureEnv is the environment a fixture directory (fixtures/NAME) is
// planned with: RepositoryEnv, then the operator's variables of
// dir/operator.env (KEY=VALUE lines: what the platform sets, which an
// ENV_DIR may not, such as KILN_EXTRA_VERSIONS), then the app's variables
// of the ENV_DIR dir/env (an empty file unsets a variable), and STACK from
// dir/stack. Nothing comes from the host, so that goldens do not depend on
// the machine.
func FixtureEnv(t *testing.T, dir string) buildpack.Env {
	t.Helper()
	env := buildpack.Env(RepositoryEnv())
	if b, err := os.ReadFile(filepath.Join(dir, "operator.env")); err == nil {
		env = env.Merge(buildpack.EnvFromList(strings.Split(strings.TrimSpace(string(b)), "\n")))
	}
	if _, err := os.Stat(filepath.Join(dir, "env")); err == nil {
		dirEnv, _, err := buildpack.LoadEnvDir(filepath.Join(dir, "env"))
		require.NoError(t, err)
		env = env.Merge(dirEnv)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "stack")); err == nil {
		env["STACK"] = strings.TrimSpace(string(b))
	}
	return env
}

// RepositoryEnv is the runtime repository tests plan PHP builds with when
// they do not test the repository itself: a base URL of the reserved
// example.com domain and a public key no real repository signs with.
func RepositoryEnv() map[string]string {
	return map[string]string{
		"PHP_BASE_URL":            "https://runtimes.example.com/php",
		"KILN_RUNTIME_PUBLIC_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	}
}
