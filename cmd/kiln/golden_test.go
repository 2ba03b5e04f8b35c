package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/internal/goldenflag"
)

// fixtureEnv is the environment every fixture is planned with
// (buildpacktest.FixtureEnv).
func fixtureEnv(t *testing.T, dir string) buildpack.Env {
	return buildpacktest.FixtureEnv(t, dir)
}

// TestFixturePlans runs `kiln plan --json` on every fixture and compares the
// output with expected/plan.json, or the error output with expected/error.txt.
func TestFixturePlans(t *testing.T) {
	dirs, err := filepath.Glob("../../fixtures/*")
	require.NoError(t, err)
	count := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		count++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			appDir := filepath.Join(dir, "app")
			if _, err := os.Stat(appDir); err != nil {
				appDir = dir
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"kiln", "plan", "--for", "compile", "--json", appDir}, fixtureEnv(t, dir), &stdout, &stderr)
			planPath := filepath.Join(dir, "expected", "plan.json")
			errPath := filepath.Join(dir, "expected", "error.txt")
			if code == 0 {
				assert.Empty(t, stderr.String())
				buildpacktest.GoldenBytes(t, planPath, stdout.Bytes(), goldenflag.Update())
				var again bytes.Buffer
				run(context.Background(), []string{"kiln", "plan", "--for", "compile", "--json", appDir}, fixtureEnv(t, dir), &again, &stderr)
				assert.Equal(t, stdout.String(), again.String(), "planning is deterministic")
				assert.NoFileExists(t, errPath, "plan succeeded but an error was expected")
				return
			}
			assert.Empty(t, stdout.String(), "a failing plan prints nothing on stdout")
			assert.Equal(t, 1, code, "user errors exit 1")
			buildpacktest.GoldenBytes(t, errPath, stderr.Bytes(), goldenflag.Update())
			assert.NoFileExists(t, planPath, "plan failed but a plan was expected:\n%s", stderr.String())
		})
	}
	assert.GreaterOrEqual(t, count, 25, "the fixture corpus shrank")
}
