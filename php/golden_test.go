package php

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

var update = flag.Bool("update", false, "rewrite fixtures/php-*/expected/ from the current plans")

// fixtureContext builds the planning context of a fixture the way the
// classic engine does: env/ files, the stack file, STACK set.
func fixtureContext(t *testing.T, dir string) *buildpack.Context {
	t.Helper()
	env := buildpack.Env{}
	if _, err := os.Stat(filepath.Join(dir, "env")); err == nil {
		e, _, err := buildpack.LoadEnvDir(filepath.Join(dir, "env"))
		require.NoError(t, err)
		env = e
	}
	stackName := ""
	if b, err := os.ReadFile(filepath.Join(dir, "stack")); err == nil {
		stackName = strings.TrimSpace(string(b))
	}
	st, err := stacks.Load(stackName)
	require.NoError(t, err)
	app := dir
	if fi, err := os.Stat(filepath.Join(dir, "app")); err == nil && fi.IsDir() {
		app = filepath.Join(dir, "app")
	}
	abs, err := filepath.Abs(app)
	require.NoError(t, err)
	return &buildpack.Context{AppDir: abs, Env: env.With("STACK", st.Name), Stack: st, Log: buildpack.Discard()}
}

// errorBlock renders a user error as `kiln plan` prints it.
func errorBlock(u *buildpack.UserError) string {
	var b strings.Builder
	for _, part := range []string{u.Msg, u.Hint} {
		if part == "" {
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(part, "\n"), "\n") {
			b.WriteString(" !     " + line + "\n")
		}
	}
	return b.String()
}

// TestFixturePlans plans every fixtures/php-* app and compares the plan
// with expected/plan.json, or the error with expected/error.txt.
func TestFixturePlans(t *testing.T) {
	dirs, err := filepath.Glob("../fixtures/php-*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx := fixtureContext(t, dir)
			planPath := filepath.Join(dir, "expected", "plan.json")
			errPath := filepath.Join(dir, "expected", "error.txt")
			p, err := Buildpack{}.Plan(ctx)
			if err == nil {
				p.Normalize()
				buildpacktest.Golden(t, planPath, p, *update)
				assert.NoFileExists(t, errPath, "the plan succeeded but an error was expected")
				again, err := Buildpack{}.Plan(ctx)
				require.NoError(t, err)
				assert.Equal(t, p, again, "planning is deterministic")
				return
			}
			u, ok := buildpack.AsUserError(err)
			require.True(t, ok, "planning errors are user errors: %v", err)
			got := errorBlock(u)
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(errPath), 0o755))
				require.NoError(t, os.WriteFile(errPath, []byte(got), 0o644))
				return
			}
			want, rerr := os.ReadFile(errPath)
			require.NoError(t, rerr, "unexpected error: %v", err)
			assert.Equal(t, string(want), got)
			assert.NoFileExists(t, planPath, "the plan failed but a plan was expected")
		})
	}
}
