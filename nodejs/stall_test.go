package nodejs

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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
	assert.Contains(t, out.String(), "the official distribution ("+stalling.URL+"/dist) failed:")
	assert.Contains(t, out.String(), "the download stalled: no data for 300ms")
	assert.Contains(t, out.String(), "served by the npm registry")
	assert.FileExists(t, filepath.Join(app, nodeDir, "bin", "node"))
}
