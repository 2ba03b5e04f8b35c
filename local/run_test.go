package local

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestRunAnAppsSlug: kiln run APP runs the slug kiln build made of APP,
// says first what it starts and where, and --port sets PORT.
func TestRunAnAppsSlug(t *testing.T) {
	app := t.TempDir()
	slug := filepath.Join(app, ".kiln", "slug")
	require.NoError(t, os.MkdirAll(slug, 0o755))
	require.NoError(t, writeRelease(slug, Release{Processes: map[string]string{"web": "echo hello on $PORT"}}))
	var out, errOut bytes.Buffer
	err := Run(context.Background(), RunOptions{Slug: app, Port: 6001, Env: buildpack.Env{"PATH": os.Getenv("PATH"), "PORT": "5000"}, Stdout: &out, Stderr: &errOut})
	require.NoError(t, err)
	assert.Equal(t, "-----> web: echo hello on $PORT on http://localhost:6001\n", errOut.String(), "what started and where, on stderr")
	assert.Equal(t, "hello on 6001\n", out.String(), "stdout is the process's own")
}

// TestRunASlugWithoutProcesses: a slug with no process types says so and
// how to declare one.
func TestRunASlugWithoutProcesses(t *testing.T) {
	slug := t.TempDir()
	require.NoError(t, writeRelease(slug, Release{}))
	err := Run(context.Background(), RunOptions{Slug: slug, Env: buildpack.Env{"PATH": os.Getenv("PATH")}, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "has no process types")
	assert.Contains(t, u.Hint, "Procfile")
}
