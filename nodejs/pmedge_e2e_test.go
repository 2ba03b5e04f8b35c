package nodejs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2EOldPNPMPrunes builds and prunes apps of pnpm releases older than
// 8.15.6, whose prune rejects --ignore-scripts: pnpm 7 through a range
// (the command is settled once pnpm is installed) and pnpm 8.15.5 through
// packageManager (settled by the plan).
func TestE2EOldPNPMPrunes(t *testing.T) {
	skipShort(t)
	for _, tc := range []struct{ fixture, version string }{
		{"node-e2e-pnpm7", "7.33.7"},
		{"node-e2e-pnpm8", "8.15.5"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			seedCache(t, cache)
			app := e2eApp(t, tc.fixture)
			out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
			require.NoError(t, err, out)
			assert.Contains(t, out, "Running pnpm prune --prod --config.confirm-modules-purge=false")
			assert.NotContains(t, out, "--ignore-scripts")
			assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
			assert.Contains(t, serve(t, app, "npm start"), "built: true")
			assert.FileExists(t, filepath.Join(app, nodeDir, "lib", "node_modules", "pnpm", "package.json"))
			v, err := pnpmVersionIn(filepath.Join(app, nodeDir))
			require.NoError(t, err)
			assert.Equal(t, tc.version, v)
		})
	}
}

// vendorYarnRelease puts the real Yarn release of @yarnpkg/cli-dist@version
// at the fixture's placeholder .yarn/releases/yarn-<version>.cjs.
func vendorYarnRelease(t *testing.T, app, version string) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", dir, "@yarnpkg/cli-dist@"+version)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	tgz := filepath.Join(dir, strings.TrimSpace(string(out)))
	out, err = exec.Command("tar", "xzf", tgz, "-C", dir, "package/bin/yarn.js").CombinedOutput()
	require.NoError(t, err, string(out))
	b, err := os.ReadFile(filepath.Join(dir, "package", "bin", "yarn.js"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(app, ".yarn", "releases", "yarn-"+version+".cjs"), b, 0o755))
}

// TestE2EYarnBerryPrunes builds and prunes Yarn 2+ apps that `yarn
// workspaces focus` could not prune (no workspace-tools plugin) with kiln's
// prune plugin: Yarn 2.0 (which also aborts on YARN_ENABLE_TELEMETRY),
// Yarn 2.4 with Plug'n'Play (whose unused archives must leave .yarn/cache)
// and a vendored Yarn 3 behind yarnPath.
func TestE2EYarnBerryPrunes(t *testing.T) {
	skipShort(t)
	for _, tc := range []struct {
		fixture, vendored string
		pnp               bool
	}{
		{fixture: "node-e2e-yarn2"},
		{fixture: "node-e2e-yarn2-pnp", pnp: true},
		{fixture: "node-e2e-yarn3-yarnpath", vendored: "3.8.7"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			seedCache(t, cache)
			app := e2eApp(t, tc.fixture)
			if tc.vendored != "" {
				vendorYarnRelease(t, app, tc.vendored)
			}
			pkg, err := os.ReadFile(filepath.Join(app, "package.json"))
			require.NoError(t, err)
			lock, err := os.ReadFile(filepath.Join(app, "yarn.lock"))
			require.NoError(t, err)
			out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
			require.NoError(t, err, out)
			assertOrder(t, out, "Installing dependencies", "hook: build", "Pruning devDependencies", "Running yarn kiln-prune")
			if tc.pnp {
				entries, err := os.ReadDir(filepath.Join(app, ".yarn", "cache"))
				require.NoError(t, err)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				assert.Contains(t, strings.Join(names, " "), "isarray-npm-")
				assert.NotContains(t, strings.Join(names, " "), "is-number-npm-", "devDependency archive left in .yarn/cache")
				b, err := os.ReadFile(filepath.Join(app, ".pnp.js"))
				require.NoError(t, err)
				assert.NotContains(t, string(b), "is-number")
			} else {
				assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
				assert.DirExists(t, filepath.Join(app, "node_modules", "isarray"))
			}
			after, err := os.ReadFile(filepath.Join(app, "package.json"))
			require.NoError(t, err)
			assert.Equal(t, string(pkg), string(after), "pruning rewrote package.json")
			after, err = os.ReadFile(filepath.Join(app, "yarn.lock"))
			require.NoError(t, err)
			assert.Equal(t, string(lock), string(after), "pruning rewrote yarn.lock")
			body := serve(t, app, "npm start")
			assert.Contains(t, body, "isarray: true")
			assert.Contains(t, body, "built: true")
		})
	}
}

// TestE2ECheckedInModules builds an npm app that commits part of its
// node_modules: the committed package is kept (not wiped by npm ci), npm
// rebuild runs, npm install adds the missing one. With
// SKIP_NODE_MODULES_CHECK=true nothing is installed.
func TestE2ECheckedInModules(t *testing.T) {
	skipShort(t)
	t.Run("rebuild and install", func(t *testing.T) {
		t.Parallel()
		cache := t.TempDir()
		seedCache(t, cache)
		app := e2eApp(t, "node-e2e-modules-checked-in")
		out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
		require.NoError(t, err, out)
		assertOrder(t, out, "Rebuilding the checked-in node_modules", "Running npm rebuild", "Running npm install")
		assert.NotContains(t, out, "npm ci")
		assert.FileExists(t, filepath.Join(app, "node_modules", "isarray", "committed.txt"))
		assert.Contains(t, serve(t, app, "npm start"), "isarray: true, is-number: true, committed node_modules kept")
	})
	t.Run("SKIP_NODE_MODULES_CHECK", func(t *testing.T) {
		t.Parallel()
		cache := t.TempDir()
		seedCache(t, cache)
		app := e2eApp(t, "node-e2e-modules-checked-in")
		out, _, err := e2eBuild(t, app, cache, e2eEnv(map[string]string{"SKIP_NODE_MODULES_CHECK": "true"}))
		require.NoError(t, err, out)
		assert.Contains(t, out, "used as committed")
		assert.NotContains(t, out, "Running npm")
		assert.FileExists(t, filepath.Join(app, "node_modules", "isarray", "committed.txt"))
		assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "installed despite SKIP_NODE_MODULES_CHECK")
	})
}
