package nodejs

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	kcache "github.com/kiln-dev/kiln/buildpack/cache"
)

// binaryServer serves a custom Node.js and Yarn 1 archive, and counts hits.
type binaryServer struct {
	*httptest.Server
	hits       atomic.Int32
	node, yarn []byte
}

func newBinaryServer(t *testing.T) *binaryServer {
	t.Helper()
	b := &binaryServer{
		node: tarGz(t, map[string]string{
			"node-v24.99.1-linux-x64/bin/node":                          "#!/bin/sh\necho v24.99.1-custom\n",
			"node-v24.99.1-linux-x64/lib/node_modules/npm/package.json": `{"name":"npm","version":"11.16.0"}`,
		}),
		yarn: tarGz(t, map[string]string{
			"yarn-v1.22.19/package.json": `{"name":"yarn","version":"1.22.19","bin":{"yarn":"./bin/yarn.js"}}`,
			"yarn-v1.22.19/bin/yarn.js":  "#!/usr/bin/env node\nconsole.log('1.22.19')\n",
		}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/builds/node-v24.99.1-linux-x64.tar.gz", func(w http.ResponseWriter, r *http.Request) { b.hits.Add(1); w.Write(b.node) })
	mux.HandleFunc("/builds/yarn-v1.22.19.tar.gz", func(w http.ResponseWriter, r *http.Request) { b.hits.Add(1); w.Write(b.yarn) })
	b.Server = httptest.NewServer(mux)
	t.Cleanup(b.Close)
	return b
}

// buildSteps plans fixture with env, then compiles the named steps into app
// and cache with a recording runner.
func buildSteps(t *testing.T, fixture string, env map[string]string, app, cache string, names ...string) (buildpack.Plan, string, error) {
	t.Helper()
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", fixture))
	ctx.Env = ctx.Env.Merge(env)
	p, err := Buildpack{}.Plan(ctx)
	if err != nil {
		return p, "", err
	}
	var steps []buildpack.Step
	for _, n := range names {
		steps = append(steps, *p.Step(n))
	}
	run := p
	run.Steps = steps
	var out strings.Builder
	ctx.AppDir, ctx.CacheDir, ctx.Runner = app, cache, &buildpacktest.RecordingRunner{}
	ctx.Log = buildpack.NewLogger(&out, ctx.Env.SecretValues())
	kcache.Sweep(cache)
	err = Buildpack{}.Compile(ctx, run)
	return p, out.String(), err
}

func TestNodeBinaryURLUnverified(t *testing.T) {
	srv := newBinaryServer(t)
	url := srv.URL + "/builds/node-v24.99.1-linux-x64.tar.gz"
	cache := t.TempDir()
	app := t.TempDir()
	p, out, err := buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": url}, app, cache, stepInstallNode)
	require.NoError(t, err, out)
	rt := p.Runtime("node")
	assert.Equal(t, buildpack.Runtime{Name: "node", Version: "24.99.1", Requested: url, Source: "NODE_BINARY_URL"}, *rt)
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "not verified against a known checksum. Set NODE_BINARY_SHA256")
	assert.Contains(t, out, "Installing Node.js 24.99.1 (from NODE_BINARY_URL)")
	assert.Contains(t, out, fmt.Sprintf("its SHA-256 is %x", sha256.Sum256(srv.node)))
	b, err := os.ReadFile(filepath.Join(app, nodeDir, "bin", "node"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "v24.99.1-custom")

	// The next build unpacks it from the archive the cache keeps, by the
	// checksum it had the first time.
	app2 := t.TempDir()
	_, out, err = buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": url}, app2, cache, stepInstallNode)
	require.NoError(t, err, out)
	assert.Equal(t, int32(1), srv.hits.Load())
	assert.FileExists(t, filepath.Join(app2, nodeDir, "bin", "node"))
}

func TestNodeBinaryURLVerified(t *testing.T) {
	srv := newBinaryServer(t)
	url := srv.URL + "/builds/node-v24.99.1-linux-x64.tar.gz"
	good := fmt.Sprintf("%x", sha256.Sum256(srv.node))
	app := t.TempDir()
	p, out, err := buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": url, "NODE_BINARY_SHA256": good}, app, t.TempDir(), stepInstallNode)
	require.NoError(t, err, out)
	assert.Empty(t, p.Warnings)
	assert.Contains(t, out, "Verified against NODE_BINARY_SHA256")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))

	bad := fmt.Sprintf("%x", sha256.Sum256([]byte("other")))
	cache := t.TempDir()
	_, out, err = buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": url, "NODE_BINARY_SHA256": bad}, t.TempDir(), cache, stepInstallNode)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v\n%s", err, out)
	assert.Contains(t, u.Msg, "Unable to download node from NODE_BINARY_URL")
	assert.Contains(t, u.Msg, "checksum mismatch")
	runtimes, _ := filepath.Glob(filepath.Join(cache, "runtimes", "node-*"))
	assert.Empty(t, runtimes, "nothing unverified is kept")
}

func TestNodeBinaryURLErrors(t *testing.T) {
	srv := newBinaryServer(t)
	_, out, err := buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": srv.URL + "/builds/node-v24.1.0-linux-x64.tar.gz"}, t.TempDir(), t.TempDir(), stepInstallNode)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v\n%s", err, out)
	assert.Contains(t, u.Msg, "Unable to download node from NODE_BINARY_URL")
	assert.Contains(t, u.Msg, "404 Not Found")

	for env, want := range map[string]string{
		"ftp://example.com/node-v24.1.0.tar.gz":            "is not an http(s):// or file:// URL",
		"https://example.com/node-latest-linux-x64.tar.gz": "does not say which Node.js version it holds",
	} {
		_, _, err := buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": env}, t.TempDir(), t.TempDir())
		u, ok := buildpack.AsUserError(err)
		require.True(t, ok, env)
		assert.Contains(t, u.Msg, want, env)
	}
	_, _, err = buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": srv.URL + "/builds/node-v24.99.1-linux-x64.tar.gz", "NODE_BINARY_SHA256": "abc"}, t.TempDir(), t.TempDir())
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok)
	assert.Contains(t, u.Msg, "NODE_BINARY_SHA256 is not a SHA-256 checksum")
}

// TestNodeBinaryURLPassword: a password in the URL never reaches the plan
// or the output.
func TestNodeBinaryURLPassword(t *testing.T) {
	srv := newBinaryServer(t)
	url := strings.Replace(srv.URL, "http://", "http://deploy:s3cret-token@", 1) + "/builds/node-v24.99.1-linux-x64.tar.gz"
	p, out, err := buildSteps(t, "node-e2e-npm", map[string]string{"NODE_BINARY_URL": url}, t.TempDir(), t.TempDir(), stepInstallNode)
	require.NoError(t, err, out)
	assert.NotContains(t, out, "s3cret-token")
	assert.NotContains(t, fmt.Sprint(p), "s3cret-token")
	assert.Contains(t, p.Runtime("node").Requested, "deploy:xxxxx@")
}

func TestYarnBinaryURL(t *testing.T) {
	srv := newBinaryServer(t)
	url := srv.URL + "/builds/yarn-v1.22.19.tar.gz"
	app := t.TempDir()
	p, out, err := buildSteps(t, "node-yarn1", map[string]string{"YARN_BINARY_URL": url}, app, t.TempDir(), stepInstallYarn)
	require.NoError(t, err, out)
	assert.Equal(t, buildpack.Runtime{Name: "yarn", Version: "1.22.19", Requested: url, Source: "YARN_BINARY_URL"}, *p.Runtime("yarn"))
	assert.Empty(t, p.Step(stepInstallYarn).Command)
	assert.Contains(t, out, "Installing yarn 1.22.19 (from YARN_BINARY_URL)")
	target, err := os.Readlink(filepath.Join(app, nodeDir, "bin", "yarn"))
	require.NoError(t, err)
	assert.Contains(t, target, "yarn.js")
	assert.FileExists(t, filepath.Join(app, nodeDir, "lib", "node_modules", "yarn", "bin", "yarn.js"))

	// Not a Yarn app: ignored.
	p, _, err = buildSteps(t, "node-e2e-npm", map[string]string{"YARN_BINARY_URL": url}, t.TempDir(), t.TempDir())
	require.NoError(t, err)
	assert.Nil(t, p.Runtime("yarn"))
}

func TestBinaryVersion(t *testing.T) {
	for path, want := range map[string]string{
		"/dist/v24.11.0/node-v24.11.0-linux-x64.tar.gz": "24.11.0",
		"/node-v22.5.1-linux-x64.tar.xz":                "22.5.1",
		"/releases/yarn-v1.22.22.tar.gz":                "1.22.22",
		"/yarn-2.0.0-rc.27.tgz":                         "2.0.0-rc.27",
		"/builds/node/24.1.0/node.tar.gz":               "24.1.0",
		"/node-latest.tar.gz":                           "",
	} {
		m := binaryVersion.FindStringSubmatch(path)
		got := ""
		if m != nil {
			got = m[1]
		}
		assert.Equal(t, want, got, path)
	}
}
