package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// signalCounter is a web process that writes a line per SIGINT or SIGTERM
// it gets into $SIGNALS, stays up a second after the first one (long
// enough for a second signal to arrive), then exits 5; a second signal
// does not stop it sooner.
const signalCounter = `got=
trap 'echo INT >> "$SIGNALS"; got=1' INT
trap 'echo TERM >> "$SIGNALS"; got=1' TERM
echo ready > "$READY"
while [ -z "$got" ]; do sleep 0.05; done
i=0; while [ $i -lt 20 ]; do sleep 0.05; i=$((i+1)); done
exit 5`

// counterSlug is a slug whose web process is signalCounter.
func counterSlug(t *testing.T) string {
	t.Helper()
	slug := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(slug, ".kiln"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(slug, "counter.sh"), []byte(signalCounter), 0o755))
	rel := "buildpack: nodejs\nstack: scalingo-26\nprocesses:\n  web: sh counter.sh\nconfig_vars: {}\n"
	require.NoError(t, os.WriteFile(filepath.Join(slug, ".kiln", "release.yml"), []byte(rel), 0o644))
	return slug
}

// startCounter starts `kiln run` of a counterSlug in a process group of its
// own (as a shell puts a command it starts in a terminal) and waits until
// the web process is ready; it returns kiln and the file of the signals the
// process got.
func startCounter(t *testing.T, kiln string) (*exec.Cmd, *buildpacktest.SyncBuffer, string) {
	t.Helper()
	slug := counterSlug(t)
	dir := t.TempDir()
	signals, ready := filepath.Join(dir, "signals"), filepath.Join(dir, "ready")
	cmd := exec.Command(kiln, "run", slug)
	cmd.Env = hostEnv("SIGNALS="+signals, "READY="+ready)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out buildpacktest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The process keeps kiln's output open if it outlives kiln (a failure).
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	})
	require.Eventually(t, func() bool { _, err := os.Stat(ready); return err == nil }, 30*time.Second, 20*time.Millisecond, out.String())
	return cmd, &out, signals
}

func TestRunDeliversOneSignal(t *testing.T) {
	skipShort(t)
	kiln := buildKiln(t, t.TempDir())
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		// group sends the signal to kiln's process group, as a terminal's
		// Ctrl-C does to its foreground group, instead of kiln alone.
		group bool
		want  string
	}{
		{"Ctrl-C in a terminal", syscall.SIGINT, true, "INT\n"},
		{"SIGINT to kiln", syscall.SIGINT, false, "INT\n"},
		{"SIGTERM to kiln", syscall.SIGTERM, false, "TERM\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, out, signals := startCounter(t, kiln)
			target := cmd.Process.Pid
			if tc.group {
				target = -target
			}
			require.NoError(t, syscall.Kill(target, tc.sig))
			code := waitExit(t, cmd, 20*time.Second, out)
			assert.Equal(t, 5, code, "kiln run returns the process's exit status: %s", out.String())
			got, err := os.ReadFile(signals)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got), "the process got the signal once")
		})
	}

	t.Run("a second Ctrl-C kills the process", func(t *testing.T) {
		cmd, out, signals := startCounter(t, kiln)
		require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
		require.Eventually(t, func() bool { _, err := os.Stat(signals); return err == nil }, 10*time.Second, 10*time.Millisecond)
		require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
		code := waitExit(t, cmd, 20*time.Second, out)
		assert.Equal(t, 128+int(syscall.SIGKILL), code, out.String())
	})
}

// TestRunCommandGetsTheTerminal checks that a command run from a terminal
// can read it (a console: kiln run SLUG -- bash), under a pseudo-terminal
// that script(1) makes.
func TestRunCommandGetsTheTerminal(t *testing.T) {
	skipShort(t)
	kiln := buildKiln(t, t.TempDir())
	slug := counterSlug(t)
	cmd := exec.Command("script", "-qec", kiln+" run "+slug+` -- sh -c 'read x; echo "got $x"; exit 4'`, "/dev/null")
	cmd.Env = hostEnv()
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	_, err = stdin.Write([]byte("hello\n"))
	require.NoError(t, err)
	code := waitExit(t, cmd, 30*time.Second, &out)
	assert.Equal(t, 4, code, out.String())
	assert.Contains(t, out.String(), "got hello")
}
