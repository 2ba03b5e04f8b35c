package local

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
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
	var out bytes.Buffer
	err := Run(context.Background(), RunOptions{Slug: app, Port: 6001, Env: buildpack.Env{"PATH": os.Getenv("PATH"), "PORT": "5000"}, Stdout: &out, Stderr: &out})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	assert.Equal(t, "-----> web: echo hello on $PORT on http://localhost:6001", lines[0])
	assert.Equal(t, "hello on 6001", lines[1])
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
