package nodejs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestE2EStartNeedsADevDependency: a start script whose program only a
// devDependency provides (semver, whose package has a bin) builds with a
// warning that says what will fail and how to fix it; with
// KILN_STRICT=true the build fails with it; with the package in
// dependencies nothing is said.
func TestE2EStartNeedsADevDependency(t *testing.T) {
	skipShort(t)
	t.Parallel()
	app := func(section string) string {
		dir := filepath.Join(t.TempDir(), "build")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		pkg := `{"name": "start-devdep", "version": "1.0.0", "engines": {"node": "24.x"},
			"scripts": {"start": "NODE_ENV=production semver 1.2.3"}, "` + section + `": {"semver": "7.7.2"}}`
		require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(pkg), 0o644))
		lock := exec.Command("npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund")
		lock.Dir = dir
		out, err := lock.CombinedOutput()
		require.NoError(t, err, "making the lockfile: %s", out)
		return dir
	}
	cache := t.TempDir()
	seedCache(t, cache)

	out, _, err := e2eBuild(t, app("devDependencies"), cache, e2eEnv(nil))
	require.NoError(t, err, out)
	assert.Contains(t, out, `The web process runs semver ("start": "NODE_ENV=production semver 1.2.3"), which only a devDependency provides`)
	assert.Contains(t, out, "Move the package that provides it from devDependencies to dependencies")

	out, _, err = e2eBuild(t, app("devDependencies"), t.TempDir(), e2eEnv(map[string]string{"KILN_STRICT": "true"}))
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v\n%s", err, out)
	assert.Contains(t, u.Msg, `"semver: not found"`)

	out, _, err = e2eBuild(t, app("dependencies"), cache, e2eEnv(nil))
	require.NoError(t, err, out)
	assert.NotContains(t, out, "only a devDependency provides")
}
