package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadOnlyCheckoutAndCacheAreExplained builds, as a user who may not
// write them, an app checked out read-only and then into a read-only cache:
// each says which directory kiln cannot write and what to do, and leaves
// nothing behind (no work directory, no change around).
func TestReadOnlyCheckoutAndCacheAreExplained(t *testing.T) {
	skipShort(t)
	if os.Geteuid() != 0 {
		t.Skip("runs kiln as nobody: run as root")
	}
	base, err := os.MkdirTemp("", "kiln-readonly-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))
	kiln := buildKiln(t, base)
	app := filepath.Join(base, "app")
	require.NoError(t, os.Mkdir(app, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"a","engines":{"node":"24.x"}}`), 0o644))
	mine := filepath.Join(base, "nobody") // where nobody may write
	require.NoError(t, os.Mkdir(mine, 0o755))
	require.NoError(t, os.Chown(mine, nobody, nobody))
	readOnlyCache := filepath.Join(base, "cache")
	require.NoError(t, os.Mkdir(readOnlyCache, 0o755))

	asNobody := func(args ...string) result {
		cmd := exec.Command(kiln, args...)
		cmd.Env = append(hostEnv(), "HOME="+mine, "KILN_RUNTIME_STORE="+filepath.Join(mine, "store"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		r := result{stderr: out.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		}
		return r
	}
	before := dirListing(t, base, "nobody")

	r := asNobody("build", "--cache", filepath.Join(mine, "cache"), app)
	assert.Equal(t, 1, r.code, describe(r))
	assert.Contains(t, r.stderr, "kiln cannot write the slug to "+filepath.Join(app, ".kiln", "slug")+": mkdir "+filepath.Join(app, ".kiln")+": permission denied")
	assert.Contains(t, r.stderr, "--output DIR")

	r = asNobody("build", "--cache", readOnlyCache, "--output", filepath.Join(mine, "slug"), app)
	assert.Equal(t, 1, r.code, describe(r))
	assert.Contains(t, r.stderr, "kiln cannot lock this cache ("+readOnlyCache+"): "+readOnlyCache+" is not writable")
	assert.Contains(t, r.stderr, "--no-cache")

	assert.Equal(t, before, dirListing(t, base, "nobody"), "nothing changed outside nobody's directory")
	left, _ := filepath.Glob(filepath.Join(mine, "*build-*"))
	hidden, _ := filepath.Glob(filepath.Join(mine, ".*build-*"))
	assert.Empty(t, append(left, hidden...), "no work directory left")
}
