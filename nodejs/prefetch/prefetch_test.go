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
	"strings"
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

// TestStartFetchesWhatIsMissing: the public registry's tarballs come from
// the configured registry; verified ones land in the content store, a
// wrong or missing one is left to npm, nothing partial stays, a second
// prefetch asks only for what is still missing, and one with nothing
// missing says nothing.
func TestStartFetchesWhatIsMissing(t *testing.T) {
	// name → what the registry serves; "tampered" serves other bytes than
	// its integrity says, "gone" nothing.
	served := map[string]string{"good": "good", "other": "other", "tampered": "evil"}
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		name, ok := strings.CutPrefix(r.URL.Path, "/npm/")
		if b, found := served[strings.TrimSuffix(name, ".tgz")]; ok && found {
			w.Write([]byte(b))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	var entries []string
	for _, name := range []string{"good", "other", "tampered", "gone"} {
		entries = append(entries, fmt.Sprintf(`"node_modules/%s":{"resolved":"https://registry.npmjs.org/%s.tgz","integrity":%q}`, name, name, sriOf([]byte(name))))
	}
	lock := `{"lockfileVersion":3,"packages":{"":{},` + strings.Join(entries, ",") + `}}`
	npmCache := t.TempDir()
	run := func() string {
		var out bytes.Buffer
		Start(context.Background(), Options{Lockfile: []byte(lock), LockName: "npm-shrinkwrap.json", NPMCache: npmCache,
			Selection: Selection{Registry: srv.URL + "/npm/"}, Client: srv.Client(), Log: buildpack.NewLogger(&out, nil), Header: "Downloading dependencies"}).Wait()
		return out.String()
	}
	out := run()
	assert.Contains(t, out, "-----> Downloading dependencies\n")
	assert.Contains(t, out, "Fetching the 4 packages of npm-shrinkwrap.json missing from the npm cache in the background")
	assert.Contains(t, out, "Fetched 2 of 4 packages")
	assert.Contains(t, out, "2 could not be fetched ahead; npm downloads them")
	stored := func(name string) string {
		sum, err := fetch.SRI(sriOf([]byte(name)))
		require.NoError(t, err)
		b, _ := os.ReadFile(CachePath(npmCache, sum))
		return string(b)
	}
	assert.Equal(t, []string{"good", "other", "", ""}, []string{stored("good"), stored("other"), stored("tampered"), stored("gone")})
	left, _ := filepath.Glob(filepath.Join(npmCache, "_cacache", "content-v2", "sha512", "*", "*", ".part-*"))
	assert.Empty(t, left, "no partial files")

	asked.Store(0)
	assert.Contains(t, run(), "Fetching the 2 packages")
	assert.Equal(t, int32(2), asked.Load(), "only the two missing ones are asked for again")

	served["tampered"], served["gone"] = "tampered", "gone"
	run()
	asked.Store(0)
	assert.Empty(t, run(), "nothing missing: nothing said")
	assert.Zero(t, asked.Load(), "nothing missing: nothing asked for")
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

// TestComputedNotReusable: when the registry answers without cache
// headers npm would download a package without "resolved" again anyway,
// so after the first one the others are left to npm; with cache headers
// they are fetched, verified and indexed, and a second prefetch finds them.
func TestComputedNotReusable(t *testing.T) {
	for _, cacheable := range []bool{false, true} {
		var asked atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked.Add(1)
			if cacheable {
				w.Header().Set("ETag", `"x"`)
			}
			if base, ok := strings.CutPrefix(r.URL.Path, "/p"); ok && strings.Contains(base, "/-/") {
				w.Write([]byte(base[:1]))
				return
			}
			w.Write([]byte(`{}`)) // a packument
		}))
		var entries []string
		for i := range 5 {
			entries = append(entries, fmt.Sprintf(`"node_modules/p%d":{"version":"1.0.0","integrity":%q}`, i, sriOf(fmt.Appendf(nil, "%d", i))))
		}
		lock := `{"lockfileVersion":3,"packages":{"":{},` + strings.Join(entries, ",") + `}}`
		npmCache := t.TempDir()
		j := Start(context.Background(), Options{Lockfile: []byte(lock), NPMCache: npmCache,
			Selection: Selection{Registry: srv.URL}, Client: srv.Client()})
		j.Wait()
		s := j.Stats()
		if !cacheable {
			assert.Equal(t, 1, s.Packages)
			assert.Equal(t, map[string]int{SkipNotReusable: 4}, s.Skipped)
			assert.Equal(t, int32(1), asked.Load())
		} else {
			assert.Equal(t, 5, s.Packages)
			assert.Equal(t, int32(10), asked.Load(), "5 tarballs and 5 packuments")
			asked.Store(0)
			j := Start(context.Background(), Options{Lockfile: []byte(lock), NPMCache: npmCache,
				Selection: Selection{Registry: srv.URL}, Client: srv.Client()})
			j.Wait()
			assert.Zero(t, asked.Load())
			assert.Equal(t, map[string]int{SkipCached: 5}, j.Stats().Skipped)
		}
		srv.Close()
	}
}
