package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPHPAppWithNodeAssets builds a Composer app with a package.json: the
// Node.js steps install devDependencies, run `build`, and prune, before
// Composer; the PHP app then serves what the build produced.
func TestPHPAppWithNodeAssets(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	app := copyTree(t, filepath.Join(repoRoot(t), "e2e", "testdata", "php-assets"))

	rep, r := kilnBuild(t, kiln, hostEnv(), "--cache", t.TempDir(), app)
	require.Equal(t, 0, r.code, describe(r))
	assert.Equal(t, "php", rep.Plan.Buildpack)
	names := map[string]string{}
	for _, rt := range rep.Plan.Runtimes {
		names[rt.Name] = rt.Version
	}
	assert.Equal(t, "24.18.0", names["node"], "the Node.js runtime is part of the PHP plan")
	slug := rep.Output
	assert.FileExists(t, filepath.Join(slug, "assets", "app.txt"))
	assert.NoDirExists(t, filepath.Join(slug, "node_modules", "is-number"), "devDependencies are pruned after the build")
	assert.NoFileExists(t, filepath.Join(slug, ".profile.d", "WEB_CONCURRENCY.sh"), "PHP-FPM sizes itself")

	port := freePort(t)
	cmd, out := startRun(t, kiln, hostEnv(fmt.Sprintf("PORT=%d", port)), slug)
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
	assert.Equal(t, 200, code, out.String())
	assert.Contains(t, body, "php with assets: assets built with Node.js v24.18.0, isNumber(42)=true")
	assert.Equal(t, 0, stopRun(t, cmd), out.String())
}
