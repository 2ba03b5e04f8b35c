package nodejs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// fixtureContext builds the planning context of a fixture: its app, its env/
// directory and its stack file, and nothing from the host.
func fixtureContext(t *testing.T, dir string) *buildpack.Context {
	t.Helper()
	app := filepath.Join(dir, "app")
	if _, err := os.Stat(app); err != nil {
		app = dir
	}
	env := buildpack.Env{}
	if _, err := os.Stat(filepath.Join(dir, "env")); err == nil {
		e, _, err := buildpack.LoadEnvDir(filepath.Join(dir, "env"))
		require.NoError(t, err)
		env = e
	}
	name := stacks.DefaultName
	if b, err := os.ReadFile(filepath.Join(dir, "stack")); err == nil {
		name = strings.TrimSpace(string(b))
	}
	st, err := stacks.Load(name)
	require.NoError(t, err)
	abs, err := filepath.Abs(app)
	require.NoError(t, err)
	return &buildpack.Context{AppDir: abs, Env: env.With("STACK", st.Name), Stack: st}
}
