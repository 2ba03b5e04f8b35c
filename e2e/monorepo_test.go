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

// TestMonorepoTwoApps builds two apps of one repository
// (fixtures/node-e2e-monorepo/app) with kiln build: web, a plain
// subdirectory app (--path), built alone; packages/api, a member of the
// npm workspace of the repository root (PROJECT_DIR), installed from the
// root with its workspace dependency. Each slug's web process answers.
func TestMonorepoTwoApps(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	repo := copyTree(t, filepath.Join(repoRoot(t), "fixtures", "node-e2e-monorepo", "app"))

	serve := func(slug, want string) {
		t.Helper()
		port := freePort(t)
		cmd, out := startRun(t, kiln, hostEnv(fmt.Sprintf("PORT=%d", port)), slug)
		code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
		assert.Equal(t, 200, code, out.String())
		assert.Contains(t, body, want)
		stopRun(t, cmd)
	}

	// The plain subdirectory app: the slug is web/ alone.
	rep, r := kilnBuild(t, kiln, hostEnv(), "--cache", t.TempDir(), "--path", "web", repo)
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stderr, "web is built on its own")
	webSlug := filepath.Join(repo, "web", ".kiln", "slug")
	assert.Equal(t, webSlug, rep.Output)
	assert.FileExists(t, filepath.Join(webSlug, "server.js"))
	assert.NoDirExists(t, filepath.Join(webSlug, "packages"), "the rest of the repository is not in the slug")
	assert.NoFileExists(t, filepath.Join(webSlug, "web", "server.js"))
	serve(webSlug, "hello from web, built on its own")

	// The workspace member: installed at the root, the slug is the tree.
	rep, r = kilnBuild(t, kiln, hostEnv("PROJECT_DIR=packages/api"), "--cache", t.TempDir(), repo)
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stderr, "packages/api is a member of the npm workspace at the repository root")
	apiSlug := filepath.Join(repo, "packages", "api", ".kiln", "slug")
	assert.Equal(t, apiSlug, rep.Output)
	assert.FileExists(t, filepath.Join(apiSlug, "packages", "api", "server.js"))
	assert.FileExists(t, filepath.Join(apiSlug, "node_modules", "shared", "index.js"), "the workspace package is linked at the root")
	assert.NoDirExists(t, filepath.Join(apiSlug, "packages", "api", ".kiln"), "the member's own .kiln stays out of its slug")
	assert.FileExists(t, filepath.Join(apiSlug, "web", "server.js"), "a workspace member's slug is the whole tree")
	serve(apiSlug, "hello from api, a workspace member of the monorepo (cwd packages/api)")

	// The repository itself is untouched but for the apps' .kiln.
	_, err := os.Stat(filepath.Join(repo, "node_modules"))
	assert.True(t, os.IsNotExist(err), "the build ran in a copy")

	// A path out of the repository is refused before anything runs.
	_, r = kilnBuild(t, kiln, hostEnv(), "--path", "../elsewhere", repo)
	assert.Equal(t, 1, r.code, describe(r))
	assert.Contains(t, r.stderr, "--path ../elsewhere leads outside the repository")
}
