package buildpacktest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// StartWeb starts a slug's web command as the platform does: HOME is the
// slug, its .profile.d scripts are sourced, PORT is set, and nothing of the
// host's PATH but the system directories. It runs in a process group of its
// own, killed with its children when the test ends (its output is logged
// then if the test failed). It returns the process's output, which grows
// while it runs. Killing it as a platform may (SIGKILL) must leave nothing
// of it running: the test fails if a process of the slug (HOME=slug in its
// environment: nginx, PHP-FPM and their workers) is still there 5 s later.
func StartWeb(t *testing.T, slug, web string, port int) *SyncBuffer {
	t.Helper()
	script := `for f in "$HOME"/.profile.d/*.sh; do . "$f"; done; exec ` + web
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = slug
	cmd.Env = []string{"HOME=" + slug, "PATH=/usr/local/bin:/usr/bin:/bin", fmt.Sprintf("PORT=%d", port)}
	logs := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 2 * time.Second
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		left := slugProcesses(slug)
		for deadline := time.Now().Add(5 * time.Second); len(left) > 0 && time.Now().Before(deadline); left = slugProcesses(slug) {
			time.Sleep(50 * time.Millisecond)
		}
		for _, pid := range left {
			t.Errorf("process %d of the web process (%s) outlived it", pid, cmdline(pid))
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("web process %q output:\n%s", web, logs.String())
		}
	})
	return logs
}

// slugProcesses lists the processes that run in the slug: their working
// directory is in it, or their environment has HOME=slug.
func slugProcesses(slug string) []int {
	want := []byte("\x00HOME=" + slug + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var out []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		cwd, _ := os.Readlink(filepath.Join(d, "cwd"))
		env, _ := os.ReadFile(filepath.Join(d, "environ"))
		if cwd == slug || strings.HasPrefix(cwd, slug+"/") || bytes.Contains(append([]byte{0}, env...), want) {
			out = append(out, pid)
		}
	}
	return out
}

// cmdline is a process's command line, for messages.
func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
}
