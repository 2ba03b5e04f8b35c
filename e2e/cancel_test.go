package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowApp is a Node.js app whose build script, when the file "slow" is in
// the app, records the pid of its shell in pidFile, starts a child in the
// background and sleeps; otherwise it writes built.txt. Every process it
// starts carries token in its command line.
type slowApp struct {
	dir, token, pidFile string
}

func newSlowApp(t *testing.T) slowApp {
	t.Helper()
	a := slowApp{
		dir:     filepath.Join(t.TempDir(), "cancelapp"),
		token:   fmt.Sprintf("kilncancel%d", time.Now().UnixNano()),
		pidFile: filepath.Join(t.TempDir(), "pid"),
	}
	require.NoError(t, os.Mkdir(a.dir, 0o755))
	script := fmt.Sprintf("if [ -f slow ]; then echo $$ > %s; sh -c 'sleep 30; : %s' & sh -c 'sleep 31; : %s'; else echo fast > built.txt; fi", a.pidFile, a.token, a.token)
	pkg, err := json.Marshal(map[string]any{
		"name": "cancelapp", "version": "1.0.0",
		"scripts": map[string]string{"build": script, "start": "node -e 1"},
		"engines": map[string]string{"node": "24.x"},
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(a.dir, "package.json"), pkg, 0o644))
	lock := `{"name":"cancelapp","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"cancelapp","version":"1.0.0"}}}`
	require.NoError(t, os.WriteFile(filepath.Join(a.dir, "package-lock.json"), []byte(lock), 0o644))
	return a
}

// interrupt starts cmd, a build of the app with "slow" in it, sends sig to
// it once the build script runs, and checks that it exits within 12 s with
// wantCode, saying so, and that no process of the build is left.
func (a slowApp) interrupt(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, wantCode int) {
	t.Helper()
	var out bytes.Buffer
	pgid := startSlow(t, cmd, &out, a.pidFile)
	require.NoError(t, cmd.Process.Signal(sig))
	code := waitExit(t, cmd, 12*time.Second, &out)
	assert.Equal(t, wantCode, code, out.String())
	assert.Contains(t, out.String(), "build cancelled")
	assertNoSurvivors(t, pgid, a.token, 0)
}

// startSlow starts cmd and waits until the build script wrote pidFile;
// it returns the process group of the script.
func startSlow(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, pidFile string) int {
	t.Helper()
	cmd.Stdout, cmd.Stderr = out, out
	// What the build started keeps kiln's output open if it outlives kiln
	// (a failure).
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			require.NoError(t, err)
			_, pgid, ok := procStat(pid)
			require.True(t, ok, "the build script (pid %d) is running", pid)
			return pgid
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the build script did not start:\n%s", out)
	return 0
}

// waitExit waits for cmd to exit, at most limit, and returns its status.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration, out fmt.Stringer) int {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		t.Fatalf("kiln did not exit within %s:\n%s", limit, out)
		return -1
	}
}

// procStat reads the state and process group of pid from /proc.
func procStat(pid int) (state string, pgid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid pgrp ...: comm may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 3 {
		return "", 0, false
	}
	pgid, _ = strconv.Atoi(f[2])
	return f[0], pgid, true
}

// survivors lists the live processes (zombies are dead) in group pgid or
// with token in their command line.
func survivors(pgid int, token string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, g, ok := procStat(pid)
		if !ok || state == "Z" {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		line := strings.ReplaceAll(string(cmdline), "\x00", " ")
		if g == pgid || strings.Contains(line, token) {
			out = append(out, fmt.Sprintf("%d %s", pid, line))
		}
	}
	return out
}

// assertNoSurvivors fails when a process of the build is still alive after
// limit.
func assertNoSurvivors(t *testing.T, pgid int, token string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		left := survivors(pgid, token)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of the build still running %s later:\n%s", limit, strings.Join(left, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBuildCancelledBySIGINT(t *testing.T) {
	skipShort(t)
	kiln := buildKiln(t, t.TempDir())
	a := newSlowApp(t)
	app := a.dir
	cacheDir := t.TempDir()
	env := hostEnv()

	rep, r := kilnBuild(t, kiln, env, "--cache", cacheDir, app)
	require.Equal(t, 0, r.code, describe(r))
	slug := rep.Output
	built, err := os.ReadFile(filepath.Join(slug, "built.txt"))
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(filepath.Join(app, "slow"), nil, 0o644))
	cmd := exec.Command(kiln, "build", "--cache", cacheDir, app)
	cmd.Env = env
	a.interrupt(t, cmd, syscall.SIGINT, 130)

	again, err := os.ReadFile(filepath.Join(slug, "built.txt"))
	require.NoError(t, err, "the previous slug is intact")
	assert.Equal(t, built, again)
	entries, err := os.ReadDir(filepath.Dir(slug))
	require.NoError(t, err)
	for _, e := range entries {
		// The slug, kiln's .gitignore of .kiln, the slug's lock file.
		assert.Contains(t, []string{"slug", ".gitignore", ".slug.lock"}, e.Name(), "nothing but the slug next to it after a cancelled build")
	}

	require.NoError(t, os.Remove(filepath.Join(app, "slow")))
	rep, r = kilnBuild(t, kiln, env, "--cache", cacheDir, app)
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, rep.Report.CacheHits, "node runtime "+rep.Plan.Runtimes[0].Version)
	assert.Empty(t, rep.Report.Downloads, "the build after the cancelled one downloads nothing")
}

func TestClassicCompileCancelledBySIGTERM(t *testing.T) {
	skipShort(t)
	// A packaged buildpack: the bin/ scripts next to a fresh kiln.
	bp := t.TempDir()
	binDir := filepath.Join(bp, "bin")
	require.NoError(t, os.Mkdir(binDir, 0o755))
	for _, f := range []string{"compile", "_kiln.sh"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), "bin", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(binDir, f), b, 0o755))
	}
	buildKiln(t, binDir)
	a := newSlowApp(t)
	app := a.dir
	cacheDir := t.TempDir()
	env := hostEnv()
	compile := filepath.Join(binDir, "compile")

	build := copyTree(t, app)
	r := runCmd(t, env, "", compile, build, cacheDir)
	require.Equal(t, 0, r.code, describe(r))

	build = copyTree(t, app)
	require.NoError(t, os.WriteFile(filepath.Join(build, "slow"), nil, 0o644))
	cmd := exec.Command(compile, build, cacheDir)
	cmd.Env = env
	a.interrupt(t, cmd, syscall.SIGTERM, 143)

	build = copyTree(t, app)
	r = runCmd(t, env, "", compile, build, cacheDir)
	require.Equal(t, 0, r.code, describe(r))
	assert.NotContains(t, r.stdout, "Downloading", "the build after the cancelled one uses the cache")
	assert.Contains(t, r.stdout, "from its archive in the cache")
	assert.FileExists(t, filepath.Join(build, "built.txt"))
}

func TestBuildKilledTakesItsProgramsWithIt(t *testing.T) {
	skipShort(t)
	kiln := buildKiln(t, t.TempDir())
	a := newSlowApp(t)
	require.NoError(t, os.WriteFile(filepath.Join(a.dir, "slow"), nil, 0o644))
	var out bytes.Buffer
	cmd := exec.Command(kiln, "build", "--cache", t.TempDir(), a.dir)
	cmd.Env = hostEnv()
	pgid := startSlow(t, cmd, &out, a.pidFile)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	waitExit(t, cmd, 2*time.Second, &out)
	assertNoSurvivors(t, pgid, a.token, 2*time.Second)
}
