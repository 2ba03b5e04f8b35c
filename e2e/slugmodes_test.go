package e2e

import (
	"fmt"
	"io/fs"
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

// nobody is the unprivileged user the slug runs as.
const nobody = 65534

// TestSlugBuiltAsRootRunsAsAnotherUser builds the Express example as root
// with a umask that keeps everything private (077), then runs the slug as
// nobody, as a container set-up does: the slug's own Node.js must be the
// one that runs, and the app must answer.
func TestSlugBuiltAsRootRunsAsAnotherUser(t *testing.T) {
	skipShort(t)
	if os.Geteuid() != 0 {
		t.Skip("builds as root and runs as nobody: run as root")
	}
	// Everything nobody needs (kiln, the slug) under a directory it may
	// enter; t.TempDir's are private.
	base, err := os.MkdirTemp("", "kiln-nobody-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))
	kiln := buildKiln(t, base)
	app := copyTree(t, filepath.Join(repoRoot(t), "examples", "nodejs-express"))
	slug, tgz := filepath.Join(base, "slug"), filepath.Join(base, "slug.tgz")

	for _, out := range [][]string{{"--output", slug}, {"--tar", tgz}} {
		args := append([]string{"-c", `umask 077 && exec "$@"`, "sh", kiln, "build", "--cache", t.TempDir()}, out...)
		r := runCmd(t, hostEnv(), "", "sh", append(args, app)...)
		require.Equal(t, 0, r.code, describe(r))
	}
	fi, err := os.Stat(tgz)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm(), "the --tar slug")

	asNobody := func(cmd *exec.Cmd) {
		cmd.Dir = base
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	which := exec.Command(kiln, "run", slug, "--", "sh", "-c", "command -v node")
	which.Env = hostEnv()
	asNobody(which)
	out, err := which.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, filepath.Join(slug, ".scalingo", "node", "bin", "node"), strings.TrimSpace(string(out)), "nobody runs the slug's Node.js")

	port := freePort(t)
	run := exec.Command(kiln, "run", slug)
	run.Env = hostEnv(fmt.Sprintf("PORT=%d", port))
	asNobody(run)
	var log buildpacktest.SyncBuffer
	run.Stdout, run.Stderr = &log, &log
	require.NoError(t, run.Start())
	t.Cleanup(func() {
		if run.ProcessState == nil {
			_ = syscall.Kill(-run.Process.Pid, syscall.SIGKILL)
			_ = run.Wait()
		}
	})
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
	assert.Equal(t, 200, code, log.String())
	assert.Contains(t, body, "Hello from kiln!")
	stopRun(t, run)
}
