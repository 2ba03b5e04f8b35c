package nodejs

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/stacks"
)

var update = flag.Bool("update", false, "rewrite fixtures/node-*/expected/plan.json")

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

// TestPlanGolden plans every fixtures/node-* app and compares the result with
// expected/plan.json; for failing apps, expected/error.txt (written by the
// CLI's golden test) must contain the error's message and hint.
func TestPlanGolden(t *testing.T) {
	dirs, err := filepath.Glob("../fixtures/node-*")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(dirs), 25)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, err := Buildpack{}.Plan(fixtureContext(t, dir))
			errPath := filepath.Join(dir, "expected", "error.txt")
			if err != nil {
				u, ok := buildpack.AsUserError(err)
				require.True(t, ok, "planning failed with a non-user error: %v", err)
				if *update {
					writeErrorGolden(t, errPath, u)
				}
				want, rerr := os.ReadFile(errPath)
				require.NoError(t, rerr, "plan failed (%v) but there is no expected/error.txt", err)
				for _, line := range strings.Split(u.Msg+"\n"+u.Hint, "\n") {
					assert.Contains(t, string(want), strings.TrimSpace(line))
				}
				return
			}
			assert.NoFileExists(t, errPath)
			buildpacktest.Golden(t, filepath.Join(dir, "expected", "plan.json"), p, *update)
		})
	}
}

// writeErrorGolden writes an error the way `kiln plan` prints it: message
// and hint, each line prefixed with " !     ".
func writeErrorGolden(t *testing.T, path string, u *buildpack.UserError) {
	t.Helper()
	var b strings.Builder
	for _, part := range []string{u.Msg, u.Hint} {
		if part == "" {
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(part, "\n"), "\n") {
			b.WriteString(" !     " + line + "\n")
		}
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}
