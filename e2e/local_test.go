package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// buildReport is the part of `kiln build --json` these tests read.
type buildReport struct {
	Plan struct {
		Buildpack string `json:"buildpack"`
		Runtimes  []struct {
			Name, Version string
		} `json:"runtimes"`
	} `json:"plan"`
	Output    string `json:"output"`
	SlugBytes int64  `json:"slug_bytes"`
	Report    struct {
		CacheHits []string `json:"cache_hits"`
		Downloads []string `json:"downloads"`
	} `json:"report"`
	Total time.Duration `json:"total_ns"`
}

func kilnBuild(t *testing.T, kiln string, env []string, args ...string) (buildReport, result) {
	t.Helper()
	r := runCmd(t, env, "", kiln, append([]string{"build", "--json"}, args...)...)
	var rep buildReport
	if r.code == 0 {
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "build --json output: %s", r.stdout)
	}
	return rep, r
}

// startRun starts `kiln run` in the background and returns the process.
func startRun(t *testing.T, kiln string, env []string, args ...string) (*exec.Cmd, *buildpacktest.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(kiln, append([]string{"run"}, args...)...)
	cmd.Env = env
	var out buildpacktest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
		}
	})
	return cmd, &out
}

// stopRun sends SIGTERM and returns the exit code, failing after 10 s.
func stopRun(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		t.Fatal("process did not stop within 10 s of SIGTERM")
		return -1
	}
}

func TestLocalBuildAndRunNode(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	app := copyTree(t, filepath.Join(repoRoot(t), "examples", "nodejs-express"))
	cache := t.TempDir()
	env := hostEnv()

	first, r := kilnBuild(t, kiln, env, "--cache", cache, app)
	require.Equal(t, 0, r.code, describe(r))
	assert.Equal(t, "nodejs", first.Plan.Buildpack)
	slug := filepath.Join(app, ".kiln", "slug")
	assert.Equal(t, slug, first.Output)
	assert.FileExists(t, filepath.Join(slug, ".kiln", "release.yml"))
	assert.Greater(t, first.SlugBytes, int64(1_000_000))

	port := freePort(t)
	cmd, out := startRun(t, kiln, hostEnv(fmt.Sprintf("PORT=%d", port)), slug)
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "Hello from kiln! Node.js v24.")
	assert.Contains(t, body, "NODE_ENV=production")
	// npm start exits 128+15 when it gets SIGTERM, even though the server
	// itself exits 0: kiln run passes npm's status on.
	assert.Contains(t, []int{0, 143}, stopRun(t, cmd), out.String())
	assert.Contains(t, out.String(), "SIGTERM received", "the signal reached the app")

	second, r := kilnBuild(t, kiln, env, "--cache", cache, app)
	require.Equal(t, 0, r.code, describe(r))
	assert.NotEmpty(t, second.Report.CacheHits, "a rebuild with the same cache reports cache hits")
	assert.Empty(t, second.Report.Downloads, "a rebuild downloads nothing")
	t.Logf("cold build %s, warm build %s", first.Total, second.Total)
	// The replaced slug is removed by a detached `kiln _discard`, after
	// the build has returned.
	assert.Eventually(t, func() bool {
		left, _ := filepath.Glob(filepath.Join(app, ".kiln", ".kiln-trash-*"))
		return len(left) == 0
	}, 20*time.Second, 50*time.Millisecond, "the previous slug is removed after the rebuild")

	// A failing build leaves the previous slug in place.
	marker := filepath.Join(slug, "server.js")
	before, err := os.ReadFile(marker)
	require.NoError(t, err)
	pkg := filepath.Join(app, "package.json")
	orig, err := os.ReadFile(pkg)
	require.NoError(t, err)
	broken := strings.Replace(string(orig), `"start": "node server.js"`, `"start": "node server.js", "build": "echo failing on purpose; exit 3"`, 1)
	require.NoError(t, os.WriteFile(pkg, []byte(broken), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(app, "server.js"), []byte("// changed after the good build\n"), 0o644))
	_, r = kilnBuild(t, kiln, env, "--cache", cache, filepath.Join(app))
	assert.NotEqual(t, 0, r.code, "the build script fails")
	after, err := os.ReadFile(marker)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "the previous slug is untouched")
	entries, err := os.ReadDir(filepath.Join(app, ".kiln"))
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), ".kiln-trash-") || strings.HasPrefix(e.Name(), ".slug.part-"), "no half-written slug is left behind: %s", e.Name())
	}
}

func TestLocalBuildAndRunPHP(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	app := copyTree(t, filepath.Join(repoRoot(t), "examples", "php-classic"))
	cache := t.TempDir()
	env := hostEnv("KILN_PHP_RUNTIME=system")

	rep, r := kilnBuild(t, kiln, env, "--cache", cache, "--tar", filepath.Join(t.TempDir(), "slug.tgz"), app)
	require.Equal(t, 0, r.code, describe(r))
	assert.Equal(t, "php", rep.Plan.Buildpack)
	assert.FileExists(t, rep.Output)

	// Run from the tarball: kiln unpacks it to a temporary directory.
	port := freePort(t)
	cmd, out := startRun(t, kiln, hostEnv(fmt.Sprintf("PORT=%d", port)), rep.Output)
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
	assert.Equal(t, 200, code, out.String())
	assert.Contains(t, body, "Hello from kiln! PHP 8.")
	assert.Contains(t, body, "APP_ENV=prod")
	assert.Equal(t, 0, stopRun(t, cmd), out.String())
}

func TestRunCommandAndExitStatus(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	app := copyTree(t, filepath.Join(repoRoot(t), "examples", "php-classic"))
	out := filepath.Join(t.TempDir(), "slug")
	_, r := kilnBuild(t, kiln, hostEnv("KILN_PHP_RUNTIME=system"), "--no-cache", "--output", out, app)
	require.Equal(t, 0, r.code, describe(r))

	r = runCmd(t, hostEnv(), "", kiln, "run", "--env", "GREETING=hi", out, "--", "bash", "-c", `echo "$GREETING $HOME $PORT"; exit 7`)
	assert.Equal(t, 7, r.code, describe(r))
	assert.Equal(t, fmt.Sprintf("hi %s 5000\n", out), r.stdout)

	r = runCmd(t, hostEnv(), "", kiln, "run", out, "worker")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `no "worker" process`)
}
