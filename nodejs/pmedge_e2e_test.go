package nodejs

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
// Yarn 2.4 and 4 with Plug'n'Play (whose unused archives must leave
// .yarn/cache: focus leaves them) and a vendored Yarn 3 behind yarnPath.
func TestE2EYarnBerryPrunes(t *testing.T) {
	skipShort(t)
	for _, tc := range []struct {
		fixture, vendored string
		pnp               string // the Plug'n'Play loader, "" for node_modules
	}{
		{fixture: "node-e2e-yarn2"},
		{fixture: "node-e2e-yarn2-pnp", pnp: ".pnp.js"},
		{fixture: "node-e2e-yarn4-pnp", pnp: ".pnp.cjs"},
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
			if tc.vendored != "" {
				// The Yarn that runs is the vendored one, and kiln says so.
				assert.Contains(t, out, "hands every command to the vendored Yarn "+tc.vendored)
				yarn := exec.Command(filepath.Join(app, nodeDir, "bin", "yarn"), "--version")
				yarn.Dir, yarn.Env = app, []string{"PATH=" + filepath.Join(app, nodeDir, "bin") + ":/usr/bin:/bin"}
				v, err := yarn.Output()
				require.NoError(t, err)
				assert.Equal(t, tc.vendored, strings.TrimSpace(string(v)), "the Yarn that runs")
			}
			if tc.pnp != "" {
				entries, err := os.ReadDir(filepath.Join(app, ".yarn", "cache"))
				require.NoError(t, err)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				assert.Contains(t, strings.Join(names, " "), "isarray-npm-")
				assert.NotContains(t, strings.Join(names, " "), "is-number-npm-", "devDependency archive left in .yarn/cache")
				b, err := os.ReadFile(filepath.Join(app, tc.pnp))
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

// authRegistry is a registry mirror for tests: a reverse proxy to the npm
// registry that answers 401 to requests without the bearer token, and
// points the tarball URLs of its documents at itself.
type authRegistry struct {
	*httptest.Server
	mu           sync.Mutex
	authorized   []string // paths requested with the token
	unauthorized []string
}

func newAuthRegistry(t *testing.T, token string) *authRegistry {
	t.Helper()
	const upstream = "https://registry.npmjs.org"
	a := &authRegistry{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := r.Header.Get("Authorization") == "Bearer "+token
		a.mu.Lock()
		if ok {
			a.authorized = append(a.authorized, r.URL.Path)
		} else {
			a.unauthorized = append(a.unauthorized, r.URL.Path)
		}
		a.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"authentication required"}`, http.StatusUnauthorized)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header.Set("Accept", r.Header.Get("Accept"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if strings.Contains(resp.Header.Get("Content-Type"), "json") {
			body = bytes.ReplaceAll(body, []byte(upstream+"/"), []byte(a.URL+"/"))
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(a.Close)
	return a
}

// TestE2EPrivateRegistryToken builds a pnpm app whose .npmrc points at a
// registry requiring a token, through environment variables
// (registry=${NPM_REGISTRY}, _authToken=${NPM_TOKEN}): kiln downloads
// pnpm from it with the token, which is never printed. (pnpm 10 itself
// ignores environment variables in a project .npmrc's registry and tokens,
// with a warning, and installs from the public registry.)
func TestE2EPrivateRegistryToken(t *testing.T) {
	skipShort(t)
	t.Parallel()
	const token = "kiln-e2e-secret-token-4f2a9c"
	app, reg, _ := buildWithPrivateRegistry(t, "node-e2e-pnpm", token)
	reg.mu.Lock()
	defer reg.mu.Unlock()
	assert.Empty(t, reg.unauthorized, "requests without the token")
	all := strings.Join(reg.authorized, " ")
	assert.Contains(t, all, "/pnpm/10.34.8", "kiln's own download of pnpm's document")
	assert.Contains(t, all, "/pnpm/-/pnpm-10.34.8.tgz", "kiln's own download of pnpm")
	// npm at runtime would need NPM_REGISTRY too (npm refuses an unset
	// ${VAR} in .npmrc): start node directly.
	assert.Contains(t, serve(t, app, "node server.js"), "built: true")
}

// TestE2EPrivateRegistryTokenPrefetch: an npm app whose .npmrc points at a
// registry requiring a token: kiln's background download of the lockfile's
// tarballs (the prefetch) sends the token too, so that no request reaches
// the registry without it, and npm ci installs from what was fetched.
func TestE2EPrivateRegistryTokenPrefetch(t *testing.T) {
	skipShort(t)
	t.Parallel()
	_, reg, out := buildWithPrivateRegistry(t, "node-e2e-npm", "kiln-e2e-secret-token-prefetch-81c3")
	assert.Contains(t, out, "Downloading dependencies")
	reg.mu.Lock()
	defer reg.mu.Unlock()
	assert.Empty(t, reg.unauthorized, "requests without the token")
	assert.Contains(t, strings.Join(reg.authorized, " "), "/express/-/express-", "the tarballs come from the private registry")
}

// buildWithPrivateRegistry builds the fixture app with an .npmrc that
// points at a local registry requiring token, both given through
// environment variables (registry=${NPM_REGISTRY}, _authToken=${NPM_TOKEN}),
// and checks that the build succeeds without printing the token.
func buildWithPrivateRegistry(t *testing.T, fixture, token string) (app string, reg *authRegistry, out string) {
	t.Helper()
	reg = newAuthRegistry(t, token)
	cache := t.TempDir()
	seedCache(t, cache)
	app = e2eApp(t, fixture)
	host := strings.TrimPrefix(reg.URL, "http://")
	rc := "registry=${NPM_REGISTRY}\n//" + host + "/:_authToken=${NPM_TOKEN}\n"
	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte(rc), 0o644))
	out, _, err := e2eBuild(t, app, cache, e2eEnv(map[string]string{"NPM_REGISTRY": reg.URL, "NPM_TOKEN": token}))
	require.NoError(t, err, out)
	assert.NotContains(t, out, token)
	return app, reg, out
}
