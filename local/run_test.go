package local

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
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

// TestRunChecksPort: a PORT that is not a port number, or a port another
// program listens on, is refused before the process starts (a Node.js app
// would otherwise fail its own way, or requests would reach the other one).
func TestRunChecksPort(t *testing.T) {
	slug := t.TempDir()
	require.NoError(t, writeRelease(slug, Release{Processes: map[string]string{"web": "echo started", "worker": "echo worked"}}))
	run := func(proc, port string) (string, error) {
		var out bytes.Buffer
		err := Run(context.Background(), RunOptions{Slug: slug, Process: proc, Env: buildpack.Env{"PATH": os.Getenv("PATH"), "PORT": port}, Stdout: &out, Stderr: &bytes.Buffer{}})
		return out.String(), err
	}
	for _, bad := range []string{"abc", "0", "70000", "80 80"} {
		out, err := run("web", bad)
		u, ok := buildpack.AsUserError(err)
		require.True(t, ok, "%q: %v", bad, err)
		assert.Equal(t, `PORT="`+bad+`" is not a port number (1 to 65535)`, u.Msg)
		assert.Empty(t, out, "nothing started")
	}
	l, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer l.Close()
	busy := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	out, err := run("web", busy)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "port "+busy+" is already in use by another program", u.Msg)
	assert.Empty(t, out)
	out, err = run("worker", busy)
	require.NoError(t, err, "only the web process listens")
	assert.Equal(t, "worked\n", out)
}
