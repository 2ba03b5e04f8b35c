package buildpack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecRunner(t *testing.T) {
	var out bytes.Buffer
	env := Env{"PATH": os.Getenv("PATH"), "GREETING": "hello"}
	dir := t.TempDir()
	err := ExecRunner{}.Run(context.Background(), Cmd{
		Name: "sh", Args: []string{"-c", "echo $GREETING from $(pwd)"},
		Dir: dir, Env: env, Stdout: &out,
	})
	require.NoError(t, err)
	assert.Equal(t, "hello from "+dir+"\n", out.String())

	err = ExecRunner{}.Run(context.Background(), Cmd{Name: "sh", Args: []string{"-c", "exit 3"}, Env: env})
	var ee *ExitError
	require.True(t, errors.As(err, &ee))
	assert.Equal(t, 3, ee.Code)

	err = ExecRunner{}.Run(context.Background(), Cmd{Name: "definitely-not-a-program", Env: env})
	assert.Error(t, err)
}

func TestExecRunnerCancelKillsTheProcessGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := ExecRunner{}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", "sleep 30 & sleep 30"}, Env: Env{"PATH": os.Getenv("PATH")}})
	assert.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestLookPath(t *testing.T) {
	p, err := LookPath("sh", "/nonexistent:"+os.Getenv("PATH"))
	require.NoError(t, err)
	assert.FileExists(t, p)
	_, err = LookPath("sh", "/nonexistent")
	assert.Error(t, err)
}

// TestExecRunnerCancelForwardsTheSignalOnce checks that a cancelled
// program's group gets the signal of the cancellation once, and that what
// the program left behind in its group is killed as soon as it exits.
func TestExecRunnerCancelForwardsTheSignalOnce(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	// The shell counts the SIGINTs it gets, starts a background child
	// (which ignores SIGINT, as background jobs of scripts do) and exits
	// on the first signal.
	script := `trap 'echo INT >> ` + dir + `/got; exit 7' INT; sleep 30 & echo $! > ` + dir + `/child; echo ready > ` + dir + `/ready; while :; do sleep 0.05; done`
	errc := make(chan error, 1)
	go func() {
		errc <- ExecRunner{Grace: time.Minute}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", script}, Env: Env{"PATH": os.Getenv("PATH")}})
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(dir + "/ready"); return err == nil }, 10*time.Second, 10*time.Millisecond)
	cancel(&Interrupted{Signal: syscall.SIGINT})
	var err error
	select {
	case err = <-errc:
	case <-time.After(30 * time.Second):
		t.Fatal("the runner waited for the grace period although the program had exited")
	}
	i, ok := AsInterrupted(err)
	require.True(t, ok, "the error is the cancellation: %v", err)
	assert.Equal(t, 130, i.ExitCode())
	got, err := os.ReadFile(dir + "/got")
	require.NoError(t, err)
	assert.Equal(t, "INT\n", string(got), "one SIGINT")
	b, err := os.ReadFile(dir + "/child")
	require.NoError(t, err)
	child, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return !alive(child) }, 5*time.Second, 10*time.Millisecond, "the background child is killed")
}

// TestExecRunnerCancelKillsAfterGrace checks that a program ignoring the
// signal is killed once the grace period is over.
func TestExecRunnerCancelKillsAfterGrace(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	script := `trap '' TERM; echo ready > ` + dir + `/ready; sleep 60`
	errc := make(chan error, 1)
	go func() {
		errc <- ExecRunner{Grace: 100 * time.Millisecond}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", script}, Env: Env{"PATH": os.Getenv("PATH")}})
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(dir + "/ready"); return err == nil }, 10*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(30 * time.Second):
		t.Fatal("a program ignoring SIGTERM was not killed after the grace period")
	}
}

func TestExecRunnerDoesNotStartWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ExecRunner{}.Run(ctx, Cmd{Name: "touch", Args: []string{dir + "/ran"}, Env: Env{"PATH": os.Getenv("PATH")}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoFileExists(t, dir+"/ran")
}

func TestServeGuardKillsRegisteredGroups(t *testing.T) {
	start := func() *exec.Cmd {
		cmd := exec.Command("sleep", "60")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		return cmd
	}
	kept, removed := start(), start()
	r, w := io.Pipe()
	done := make(chan struct{})
	go func() { ServeGuard(r); close(done) }()
	fmt.Fprintf(w, "+%d\n+%d\n-%d\n", kept.Process.Pid, removed.Process.Pid, removed.Process.Pid)
	w.Close()
	<-done
	err := kept.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "the registered group was killed: %v", err)
	assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
	assert.True(t, alive(removed.Process.Pid), "an unregistered group is left alone")
}

// alive reports whether pid is a live process (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// TestExecRunnerSecondSignalKillsAtOnce checks that a second Ctrl-C does
// not wait for the grace period of a program that ignores the first.
func TestExecRunnerSecondSignalKillsAtOnce(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	script := `trap '' INT; echo ready > ` + dir + `/ready; sleep 60`
	errc := make(chan error, 1)
	go func() {
		errc <- ExecRunner{Grace: time.Hour}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", script}, Env: Env{"PATH": os.Getenv("PATH")}})
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(dir + "/ready"); return err == nil }, 10*time.Second, 10*time.Millisecond)
	again := make(chan struct{})
	cancel(&Interrupted{Signal: syscall.SIGINT, Again: again})
	select {
	case <-errc:
		t.Fatal("the program ignoring SIGINT stopped before the second signal")
	case <-time.After(300 * time.Millisecond):
	}
	close(again)
	select {
	case err := <-errc:
		_, ok := AsInterrupted(err)
		assert.True(t, ok, "%v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the second signal did not kill the program")
	}
}
