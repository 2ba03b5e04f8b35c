package classic

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// fakeBuildpack plans a fixed plan and records compiles.
type fakeBuildpack struct {
	id       string
	compiled *int
	fail     error
}

func (f fakeBuildpack) ID() string { return f.id }

func (f fakeBuildpack) Detect(app fs.FS) (string, bool) {
	_, err := fs.Stat(app, "package.json")
	return "Node.js", err == nil
}

func (f fakeBuildpack) Plan(ctx *buildpack.Context) (buildpack.Plan, error) {
	p := buildpack.Plan{
		Runtimes:  []buildpack.Runtime{{Name: "node", Version: "24.18.0", Source: "default"}},
		Processes: map[string]string{"web": "npm start"},
	}
	p.Warn("a plan warning")
	return p, nil
}

func (f fakeBuildpack) Compile(ctx *buildpack.Context, p buildpack.Plan) error {
	*f.compiled++
	ctx.Log.Info("compiling in %s", filepath.Base(ctx.AppDir))
	return f.fail
}

func newEngine(t *testing.T, env buildpack.Env, fail error) (*Engine, *int, *bytes.Buffer) {
	n := 0
	var out bytes.Buffer
	return &Engine{
		Buildpacks: []buildpack.Buildpack{fakeBuildpack{id: "nodejs", compiled: &n, fail: fail}},
		Env:        env,
		Out:        &out,
	}, &n, &out
}

func nodeApp(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte("{}"), 0o644))
	return dir
}

func TestPrepareFillsIdentityAndDeprecation(t *testing.T) {
	e, _, _ := newEngine(t, buildpack.Env{"STACK": "scalingo-22"}, nil)
	p, err := e.Prepare(nodeApp(t), "")
	require.NoError(t, err)
	assert.Equal(t, "nodejs", p.Plan.Buildpack)
	assert.Equal(t, "Node.js", p.Plan.Name)
	assert.Equal(t, "scalingo-22", p.Plan.Stack)
	require.Len(t, p.Plan.Warnings, 2)
	assert.Contains(t, p.Plan.Warnings[0], "2027-06-01")
	assert.Equal(t, "scalingo-22", p.Context.Env.Get("STACK"))

	e.Stack = "scalingo-24"
	p, err = e.Prepare(nodeApp(t), "")
	require.NoError(t, err)
	assert.Equal(t, "scalingo-24", p.Plan.Stack, "--stack wins over STACK")
	assert.Equal(t, []string{"a plan warning"}, p.Plan.Warnings)
}

func TestPrepareErrors(t *testing.T) {
	e, _, _ := newEngine(t, buildpack.Env{"STACK": "scalingo-99"}, nil)
	_, err := e.Prepare(nodeApp(t), "")
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Error(), "scalingo-99")
	assert.Contains(t, u.Error(), "scalingo-26")

	e, _, _ = newEngine(t, buildpack.Env{}, nil)
	_, err = e.Prepare(t.TempDir(), "")
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok)
	assert.Contains(t, u.Msg, "no buildpack detected")

	_, err = e.Prepare(filepath.Join(t.TempDir(), "missing"), "")
	_, ok = buildpack.AsUserError(err)
	assert.True(t, ok)

	e.Force = "ruby"
	_, err = e.Prepare(nodeApp(t), "")
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok)
	assert.Contains(t, u.Hint, "nodejs")
}

func TestForceSkipsDetection(t *testing.T) {
	e, _, _ := newEngine(t, buildpack.Env{}, nil)
	e.Force = "nodejs"
	p, err := e.Prepare(t.TempDir(), "")
	require.NoError(t, err)
	assert.Equal(t, "nodejs", p.Plan.Buildpack)
}

func TestCompilePrintsHeaderWarningsAndSummary(t *testing.T) {
	e, n, out := newEngine(t, buildpack.Env{}, nil)
	_, err := e.Compile(nodeApp(t), filepath.Join(t.TempDir(), "new-cache"))
	require.NoError(t, err)
	assert.Equal(t, 1, *n)
	s := out.String()
	assert.True(t, strings.HasPrefix(s, "-----> Node.js app detected (stack scalingo-26)\n"), s)
	assert.Contains(t, s, " !     a plan warning\n")
	assert.Contains(t, s, "-----> Node.js app built, node 24.18.0 in ")

	boom := errors.New("boom")
	e, _, _ = newEngine(t, buildpack.Env{}, boom)
	_, err = e.Compile(nodeApp(t), t.TempDir())
	assert.ErrorIs(t, err, boom)
}

func TestReleaseYAML(t *testing.T) {
	e, _, _ := newEngine(t, buildpack.Env{}, nil)
	out, err := e.Release(nodeApp(t))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), "---\n"))
	var rel struct {
		Addons              []string          `yaml:"addons"`
		DefaultProcessTypes map[string]string `yaml:"default_process_types"`
	}
	require.NoError(t, yaml.Unmarshal(out, &rel))
	assert.Equal(t, []string{}, rel.Addons)
	assert.Equal(t, map[string]string{"web": "npm start"}, rel.DefaultProcessTypes)
}

func TestCompileHoldsTheCacheLockAndSweepsUnderIt(t *testing.T) {
	cacheDir := t.TempDir()
	part := filepath.Join(cacheDir, "downloads", ".part-123")
	require.NoError(t, os.MkdirAll(filepath.Dir(part), 0o755))
	require.NoError(t, os.WriteFile(part, []byte("half a download"), 0o644))

	// Another build holds the cache: compile waits, saying so, and sweeps
	// nothing until it has the lock.
	held, err := LockCache(context.Background(), cacheDir, false, nil)
	require.NoError(t, err)
	e, n, _ := newEngine(t, buildpack.Env{}, nil)
	e.Out = &buildpacktest.SyncBuffer{}
	done := make(chan error, 1)
	go func() { _, err := e.Compile(nodeApp(t), cacheDir); done <- err }()
	require.Eventually(t, func() bool {
		return strings.Contains(e.Out.(*buildpacktest.SyncBuffer).String(), "-----> Waiting for another build of this cache ("+cacheDir+") (pid ")
	}, 10*time.Second, 10*time.Millisecond)
	assert.FileExists(t, part, "nothing is swept while another build holds the cache")
	require.NoError(t, held.Release())
	require.NoError(t, <-done)
	assert.Equal(t, 1, *n)
	assert.NoFileExists(t, part, "a killed build's partial download is removed under the lock")

	// With the lock free, a second compile does not wait.
	e.Out = &buildpacktest.SyncBuffer{}
	_, err = e.Compile(nodeApp(t), cacheDir)
	require.NoError(t, err)
	assert.NotContains(t, e.Out.(*buildpacktest.SyncBuffer).String(), "Waiting")
}
