package nodejs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otiai10/copy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	kcache "github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/stacks"
)

// End-to-end tests: real Node.js from the npm registry (nodejs.org may be
// unreachable), real npm, Yarn and pnpm, real HTTP. They run in CI; `go test
// -short` skips them locally.

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end build; run without -short")
	}
}

// e2eApp copies a fixture into a fresh build directory.
func e2eApp(t *testing.T, fixture string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "build")
	require.NoError(t, copy.Copy(filepath.Join("..", "fixtures", fixture), dst, copy.Options{
		Skip: func(_ os.FileInfo, src, _ string) (bool, error) {
			base := filepath.Base(src)
			return base == "expected" || base == "env", nil
		},
	}))
	return dst
}

// e2eEnv is the build environment: the host's (proxies, CA certificates,
// HOME) plus the test's variables.
func e2eEnv(extra map[string]string) buildpack.Env {
	env := buildpack.EnvFromOS()
	for k := range env {
		u := strings.ToUpper(k)
		if strings.HasPrefix(u, "NPM_CONFIG_") || strings.HasPrefix(u, "YARN_") || u == "NODE_ENV" {
			delete(env, k)
		}
	}
	return env.Merge(extra).With("STACK", stacks.DefaultName)
}

// e2eBuild plans and compiles app with cache, returning the build output.
func e2eBuild(t *testing.T, app, cache string, env buildpack.Env) (string, time.Duration, error) {
	t.Helper()
	st, err := stacks.Load(stacks.DefaultName)
	require.NoError(t, err)
	var out bytes.Buffer
	ctx := &buildpack.Context{
		Ctx: context.Background(), AppDir: app, CacheDir: cache, Env: env, Stack: st,
		Log: buildpack.NewLogger(&out, env.SecretValues()), Runner: buildpack.ExecRunner{},
	}
	start := time.Now()
	p, err := Buildpack{}.Plan(ctx)
	if err == nil {
		err = Buildpack{}.Compile(ctx, p)
	}
	return out.String(), time.Since(start), err
}

// seedCache seeds cache with the runtime records and downloads of a
// shared directory under the system temp dir, so that the tests download
// Node.js 24 once between them (and unpack it from the archive, as a build
// without a shared runtime store does).
var sharedOnce sync.Once

func seedCache(t *testing.T, cache string) {
	t.Helper()
	shared := filepath.Join(os.TempDir(), "kiln-nodejs-e2e-cache")
	sharedOnce.Do(func() {
		app := e2eApp(t, "node-e2e-npm")
		st, err := stacks.Load(stacks.DefaultName)
		require.NoError(t, err)
		ctx := &buildpack.Context{AppDir: app, CacheDir: shared, Env: e2eEnv(nil), Stack: st, Log: buildpack.Discard(), Runner: buildpack.ExecRunner{}}
		p, err := Buildpack{}.Plan(ctx)
		require.NoError(t, err)
		p.Steps = []buildpack.Step{{Name: stepInstallNode}}
		require.NoError(t, Buildpack{}.Compile(ctx, p))
	})
	for _, dir := range []string{"runtimes", "downloads"} {
		_, err := kcache.CloneTree(filepath.Join(shared, dir), filepath.Join(cache, dir), nil, func(string) bool { return true })
		require.NoError(t, err)
	}
}

// serve starts the app's web process as the platform does (HOME = the slug,
// .profile.d sourced, PORT set) and returns the body of GET /.
func serve(t *testing.T, app, web string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logs := buildpacktest.StartWeb(t, app, web, port)
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not answer on %s; output:\n%s", web, url, logs.String())
	return ""
}

// assertOrder checks that each marker appears in out after the previous one.
func assertOrder(t *testing.T, out string, markers ...string) {
	t.Helper()
	pos := 0
	for _, m := range markers {
		i := strings.Index(out[pos:], m)
		if !assert.GreaterOrEqual(t, i, 0, "%q missing (or out of order) in the build output", m) {
			return
		}
		pos += i + len(m)
	}
}

func TestE2ENpmColdThenWarm(t *testing.T) {
	skipShort(t)
	cache := t.TempDir()
	app := e2eApp(t, "node-e2e-npm")
	out, cold, err := e2eBuild(t, app, cache, e2eEnv(nil))
	require.NoError(t, err, out)
	assertOrder(t, out, "hook: prebuild", "Installing dependencies", "hook: build", "Pruning devDependencies", "hook: cleanup")
	assert.Contains(t, out, "Node.js 24.18.0 served by")
	assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
	assert.DirExists(t, filepath.Join(app, "node_modules", "express"))
	assert.Contains(t, serve(t, app, "npm start"), "built: true")

	app2 := e2eApp(t, "node-e2e-npm")
	out2, warm, err := e2eBuild(t, app2, cache, e2eEnv(nil))
	require.NoError(t, err, out2)
	assert.Contains(t, out2, "Unpacking Node.js 24.18.0 from its archive in the cache")
	assert.Contains(t, out2, "restored node_modules")
	assert.NoDirExists(t, filepath.Join(cache, "node", "npm-cache"), "with the saved node_modules, npm's own cache is not kept (bench/LOCKCHANGE.md)")
	assert.NotContains(t, out2, "Downloading and verifying Node.js")
	assert.Contains(t, serve(t, app2, "npm start"), "hello from kiln on node v24.18.0")
	t.Logf("npm app: cold build %s, warm build %s", cold.Round(time.Millisecond), warm.Round(time.Millisecond))
}

func TestE2ENpmProduction(t *testing.T) {
	skipShort(t)
	t.Parallel()
	cache := t.TempDir()
	seedCache(t, cache)
	app := e2eApp(t, "node-e2e-npm")
	// Without devDependencies the build script cannot run: NPM_NO_BUILD too.
	out, _, err := e2eBuild(t, app, cache, e2eEnv(map[string]string{"NPM_CONFIG_PRODUCTION": "true", "NPM_NO_BUILD": "true"}))
	require.NoError(t, err, out)
	assert.Contains(t, out, "--omit=dev")
	assert.Contains(t, out, "Skipping because NPM_CONFIG_PRODUCTION is 'true'")
	assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"))
	assert.Contains(t, serve(t, app, "npm start"), "not built")
}

func TestE2EPackageManagers(t *testing.T) {
	skipShort(t)
	for _, tc := range []struct{ fixture, marker string }{
		{"node-e2e-yarn1", "Installing yarn 1.22.22"},
		{"node-e2e-yarn4", "Verified @yarnpkg/cli-dist@4.9.2 against the packageManager hash"},
		{"node-e2e-pnpm", "Installing pnpm 10.34.8"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			seedCache(t, cache)
			app := e2eApp(t, tc.fixture)
			out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
			require.NoError(t, err, out)
			assert.Contains(t, out, tc.marker)
			assertOrder(t, out, "Installing dependencies", "hook: build", "Pruning devDependencies")
			assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
			assert.NotContains(t, out, "in place", "the package manager's own pruning must not alter the saved dependency tree")
			assert.Contains(t, serve(t, app, "npm start"), "built: true")

			// A rebuild with the same cache takes the package manager from
			// the cache and builds the same app.
			app = e2eApp(t, tc.fixture)
			out, _, err = e2eBuild(t, app, cache, e2eEnv(nil))
			require.NoError(t, err, out)
			assert.Regexp(t, `Unpacking \S+ from its archive in the cache`, out)
			assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
			assert.Contains(t, serve(t, app, "npm start"), "built: true")
		})
	}
}

func TestE2ENode22(t *testing.T) {
	skipShort(t)
	t.Parallel()
	app := e2eApp(t, "node-e2e-node22")
	out, _, err := e2eBuild(t, app, t.TempDir(), e2eEnv(nil))
	require.NoError(t, err, out)
	v, err := exec.Command(filepath.Join(app, nodeDir, "bin", "node"), "--version").Output()
	require.NoError(t, err)
	assert.Equal(t, "v22.23.1", strings.TrimSpace(string(v)))
	assert.Contains(t, serve(t, app, "node server.js"), "v22.23.1")
}

// TestE2EPNPMWorkspace builds a pnpm workspace: pnpm prunes the
// devDependencies of the root and of the workspace package (without a
// terminal), and the store prune due on this build runs against the real
// store.
func TestE2EPNPMWorkspace(t *testing.T) {
	skipShort(t)
	t.Parallel()
	cache := t.TempDir()
	seedCache(t, cache)
	require.NoError(t, os.MkdirAll(filepath.Join(cache, "node"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cache, "node", storePruneCounter), []byte("1\n"), 0o644))
	app := e2eApp(t, "node-e2e-pnpm-workspace")
	out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
	require.NoError(t, err, out)
	assertOrder(t, out, "Installing dependencies", "hook: build", "Pruning devDependencies", "Cleaning up the pnpm store")
	assert.NotContains(t, out, "pnpm store prune failed")
	assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "root devDependency left after pruning")
	assert.NoDirExists(t, filepath.Join(app, "packages", "greeting", "node_modules", "kind-of"), "workspace devDependency left after pruning")
	_, err = os.Stat(filepath.Join(app, "packages", "greeting", "node_modules", "isarray", "package.json"))
	assert.NoError(t, err, "workspace dependency pruned")
	b, err := os.ReadFile(filepath.Join(cache, "node", storePruneCounter))
	require.NoError(t, err)
	assert.Equal(t, "40\n", string(b))
	body := serve(t, app, "npm start")
	assert.Contains(t, body, "hello from a kiln pnpm workspace")
	assert.Contains(t, body, "built: true")
}

// TestE2EPNPM11ColdThenWarm builds a pnpm 11 app twice with one cache. pnpm
// 11 reinstalls before `pnpm run` when the project moved since the install,
// which a restored node_modules always has; kiln makes that a warning
// (verifyDepsBeforeRun), at build time and at runtime through
// .profile.d/pnpm.sh.
func TestE2EPNPM11ColdThenWarm(t *testing.T) {
	skipShort(t)
	cache := t.TempDir()
	seedCache(t, cache)
	for i, want := range []string{"No installed dependencies in the cache: installing", "restored node_modules"} {
		app := e2eApp(t, "node-e2e-pnpm11")
		out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
		require.NoError(t, err, out)
		assert.Contains(t, out, "Installing pnpm 11.28.11", "build %d", i+1)
		assert.Contains(t, out, want, "build %d", i+1)
		assert.FileExists(t, filepath.Join(app, ".profile.d", "pnpm.sh"))
		assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
		assert.Contains(t, serve(t, app, "npm start"), "built: true")
	}
}
