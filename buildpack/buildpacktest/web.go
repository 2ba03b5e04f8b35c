package buildpacktest

import (
	"fmt"
	"os/exec"
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
// while it runs.
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
		if t.Failed() {
			t.Logf("web process %q output:\n%s", web, logs.String())
		}
	})
	return logs
}
