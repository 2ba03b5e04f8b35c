package buildpacktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// PlanApp writes files (name → content; an empty content is no file) into
// a new app directory and plans it with bp on the default stack and env.
// It returns the plan, the app directory and the planning error.
func PlanApp(t testing.TB, bp buildpack.Buildpack, files map[string]string, env buildpack.Env) (buildpack.Plan, string, error) {
	t.Helper()
	app := t.TempDir()
	for name, body := range files {
		if body == "" {
			continue
		}
		p := filepath.Join(app, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	st, err := stacks.Load(stacks.DefaultName)
	require.NoError(t, err)
	// The operator's settings of a platform (a PHP runtime repository)
	// come first; env may override them.
	env = buildpack.Env(RepositoryEnv()).Merge(env)
	p, err := bp.Plan(&buildpack.Context{AppDir: app, Env: env.With("STACK", st.Name), Stack: st})
	return p, app, err
}

// PlanAnything plans files with bp as PlanApp does, for fuzz targets:
// planning must not panic, what it refuses must be a *buildpack.UserError
// (the user's to fix, never an internal error), and a plan must encode.
func PlanAnything(t testing.TB, bp buildpack.Buildpack, files map[string]string) {
	t.Helper()
	p, _, err := PlanApp(t, bp, files, nil)
	if err != nil {
		_, ok := buildpack.AsUserError(err)
		require.True(t, ok, "planning failed with an internal error: %v", err)
		return
	}
	_, err = json.Marshal(p)
	require.NoError(t, err)
}
