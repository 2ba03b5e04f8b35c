package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLocalBuildAndRunPHPHerokuProcfile builds an app whose Procfile runs
// the reference platforms' boot script (vendor/bin/heroku-php-nginx with a
// document root and an nginx include) and runs that Procfile: the script
// kiln put in its place starts kiln's web process with those options.
func TestLocalBuildAndRunPHPHerokuProcfile(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	app := copyTree(t, filepath.Join(repoRoot(t), "fixtures", "php-procfile-heroku-nginx"))
	require.NoError(t, os.RemoveAll(filepath.Join(app, "expected")))
	env := hostEnv("KILN_PHP_RUNTIME=system")

	rep, r := kilnBuild(t, kiln, env, "--cache", t.TempDir(), "--output", filepath.Join(t.TempDir(), "slug"), app)
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stderr+r.stdout, "heroku-php-nginx")
	shim, err := os.ReadFile(filepath.Join(rep.Output, "vendor/bin/heroku-php-nginx"))
	require.NoError(t, err)
	assert.Contains(t, string(shim), "php-boot")

	port := freePort(t)
	cmd, out := startRun(t, kiln, hostEnv(fmt.Sprintf("PORT=%d", port)), rep.Output)
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/hello/world", port), 30*time.Second)
	assert.Equal(t, 200, code, out.String())
	assert.Contains(t, body, "served by kiln from public/, path info=/hello/world")
	assert.Equal(t, 0, stopRun(t, cmd), out.String())
}
