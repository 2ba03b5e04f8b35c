package prefetch

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

func sriOf(b []byte) string {
	s := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s[:])
}

func TestTarballs(t *testing.T) {
	a, b := sriOf([]byte("a")), sriOf([]byte("b"))
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{
		"": {"name":"app"},
		"node_modules/a": {"resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","integrity":%q},
		"node_modules/x/node_modules/a": {"resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","integrity":%q},
		"node_modules/b": {"resolved":"https://npm.example.com/b/-/b-1.0.0.tgz","integrity":"sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA= %s"},
		"node_modules/ws": {"resolved":"packages/ws","link":true},
		"packages/ws": {"name":"ws"},
		"node_modules/g": {"resolved":"git+ssh://git@github.com/x/g.git#abc","integrity":%q},
		"node_modules/f": {"resolved":"file:../f.tgz","integrity":%q},
		"node_modules/n": {"resolved":"https://registry.npmjs.org/n/-/n-1.0.0.tgz"},
		"node_modules/c/node_modules/d": {"resolved":"https://registry.npmjs.org/d/-/d-1.tgz","integrity":"sha512-!!","inBundle":true}
	}}`, a, a, b, a, a)
	got := Tarballs([]byte(lock), "https://mirror.example/npm/")
	var urls []string
	for _, tb := range got {
		urls = append(urls, tb.URL+" "+tb.Sum.Algo)
	}
	assert.Equal(t, []string{
		"https://mirror.example/npm/a/-/a-1.0.0.tgz sha512",
		"https://npm.example.com/b/-/b-1.0.0.tgz sha512",
	}, urls, "once per integrity; the public registry replaced; no links, git, file, unverifiable or bundled entries")
}

// TestStartFetchesWhatIsMissing: verified tarballs land in the content
// store, a wrong or missing one is left to npm, nothing partial stays, and
// a second prefetch asks only for what is still missing.
func TestStartFetchesWhatIsMissing(t *testing.T) {
	good, other, bad := []byte("good tarball"), []byte("other tarball"), []byte("tampered")
	files := map[string][]byte{"/good.tgz": good, "/other.tgz": other, "/bad.tgz": bad}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{"":{},
		"node_modules/good":{"resolved":%q,"integrity":%q},
		"node_modules/other":{"resolved":%q,"integrity":%q},
		"node_modules/bad":{"resolved":%q,"integrity":%q},
		"node_modules/gone":{"resolved":%q,"integrity":%q}}}`,
		srv.URL+"/good.tgz", sriOf(good), srv.URL+"/other.tgz", sriOf(other),
		srv.URL+"/bad.tgz", sriOf([]byte("the real one")), srv.URL+"/gone.tgz", sriOf([]byte("gone")))
	npmCache := t.TempDir()
	run := func() string {
		var out bytes.Buffer
		Start(context.Background(), Options{Lockfile: []byte(lock), LockName: "package-lock.json", NPMCache: npmCache,
			Client: srv.Client(), Log: buildpack.NewLogger(&out, nil), Header: "Downloading dependencies"}).Wait()
		return out.String()
	}
	out := run()
	assert.Contains(t, out, "-----> Downloading dependencies\n")
	assert.Contains(t, out, "Fetching the 4 packages of package-lock.json missing from the npm cache in the background")
	assert.Contains(t, out, "Fetched 2 of 4 packages")
	assert.Contains(t, out, "2 could not be fetched ahead; npm downloads them")
	path := func(b []byte) string {
		sum, err := fetch.SRI(sriOf(b))
		require.NoError(t, err)
		return CachePath(npmCache, sum)
	}
	for _, b := range [][]byte{good, other} {
		got, err := os.ReadFile(path(b))
		require.NoError(t, err)
		assert.Equal(t, b, got)
	}
	assert.NoFileExists(t, path([]byte("the real one")), "a tarball that does not match its integrity is not stored")
	left, _ := filepath.Glob(filepath.Join(npmCache, "_cacache", "content-v2", "sha512", "*", "*", ".part-*"))
	assert.Empty(t, left, "no partial files")

	hits.Store(0)
	out = run()
	assert.Contains(t, out, "Fetching the 2 packages")
	assert.Equal(t, int32(2), hits.Load(), "only the two missing ones are asked for again")

	files["/bad.tgz"], files["/gone.tgz"] = []byte("the real one"), []byte("gone")
	run()
	hits.Store(0)
	assert.Empty(t, run(), "nothing missing: nothing said")
	assert.Zero(t, hits.Load(), "nothing missing: nothing asked for")
}

// TestStopCancels: Stop ends downloads that are still waiting for an
// answer, and the zero Job has nothing to wait for.
func TestStopCancels(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{"":{},"node_modules/a":{"resolved":%q,"integrity":%q}}}`,
		srv.URL+"/a.tgz", sriOf([]byte("a")))
	var out bytes.Buffer
	j := Start(context.Background(), Options{Lockfile: []byte(lock), LockName: "package-lock.json", NPMCache: t.TempDir(),
		Client: srv.Client(), Log: buildpack.NewLogger(&out, nil)})
	j.Stop()
	assert.NotContains(t, out.String(), "Fetched", "Stop says nothing")
	assert.Equal(t, int32(0), j.fetched.Load())

	var zero Job
	zero.Wait()
	zero.Stop()
}
