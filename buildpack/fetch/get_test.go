package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A local HTTP server stands in for nodejs.org and the binary repository,
// which this machine cannot reach.
func serve(t *testing.T, body []byte) (*httptest.Server, *int32) {
	var hits int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&hits, 1)
		if r.URL.Path != "/artifact.tgz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestGetVerifiesAndCaches(t *testing.T) {
	body := []byte("pretend this is a runtime archive")
	srv, hits := serve(t, body)
	sum := sha256.Sum256(body)
	want, err := Hex("sha256", hex.EncodeToString(sum[:]))
	require.NoError(t, err)

	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
	res, err := f.Get(context.Background(), srv.URL+"/artifact.tgz", want)
	require.NoError(t, err)
	assert.False(t, res.Cached)
	got, err := os.ReadFile(res.Path)
	require.NoError(t, err)
	assert.Equal(t, body, got)

	res2, err := f.Get(context.Background(), srv.URL+"/artifact.tgz", want)
	require.NoError(t, err)
	assert.True(t, res2.Cached)
	assert.Equal(t, int32(1), atomic.LoadInt32(hits), "second fetch must come from the store")
}

func TestGetChecksumMismatchLeavesNothing(t *testing.T) {
	srv, _ := serve(t, []byte("tampered"))
	wrong := sha256.Sum256([]byte("original"))
	dir := t.TempDir()
	f := &Fetcher{Client: srv.Client(), Dir: dir}
	_, err := f.Get(context.Background(), srv.URL+"/artifact.tgz", Checksum{Algo: "sha256", Digest: wrong[:]})
	var mm *MismatchError
	require.True(t, errors.As(err, &mm), "got %v", err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed verification must not leave files in the store")
}

func TestGetRejectsMissingChecksumAndBadStatus(t *testing.T) {
	srv, _ := serve(t, []byte("x"))
	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
	_, err := f.Get(context.Background(), srv.URL+"/artifact.tgz", Checksum{})
	assert.ErrorContains(t, err, "without a checksum")

	sum := sha256.Sum256([]byte("x"))
	_, err = f.Get(context.Background(), srv.URL+"/missing", Checksum{Algo: "sha256", Digest: sum[:]})
	var se *StatusError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, http.StatusNotFound, se.Code)
}

func TestStoreCorruptionIsDetected(t *testing.T) {
	body := []byte("runtime")
	srv, hits := serve(t, body)
	sum := sha256.Sum256(body)
	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
	c := Checksum{Algo: "sha256", Digest: sum[:]}
	res, err := f.Get(context.Background(), srv.URL+"/artifact.tgz", c)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(res.Path, []byte("corrupted"), 0o644))
	res, err = f.Get(context.Background(), srv.URL+"/artifact.tgz", c)
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Equal(t, int32(2), atomic.LoadInt32(hits))
}

func TestText(t *testing.T) {
	srv, _ := serve(t, []byte("0123456789"))
	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
	b, err := f.Text(context.Background(), srv.URL+"/artifact.tgz", 100)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(b))
	_, err = f.Text(context.Background(), srv.URL+"/artifact.tgz", 5)
	assert.Error(t, err)
}

func TestUnreachableFailsFast(t *testing.T) {
	f := &Fetcher{Client: NewClient(), Dir: t.TempDir()}
	sum := sha256.Sum256(nil)
	// Port 1 on loopback refuses connections at once.
	_, err := f.Get(context.Background(), "http://127.0.0.1:1/x", Checksum{Algo: "sha256", Digest: sum[:]})
	assert.Error(t, err)
}

func TestChecksumParsing(t *testing.T) {
	digest := sha512.Sum512([]byte("pkg"))
	sri := "sha1-" + base64.StdEncoding.EncodeToString(make([]byte, 20)) + " sha512-" + base64.StdEncoding.EncodeToString(digest[:])
	c, err := SRI(sri)
	require.NoError(t, err)
	assert.Equal(t, "sha512", c.Algo, "the strongest algorithm wins")
	assert.Equal(t, digest[:], c.Digest)

	_, err = SRI("md5-AAAA")
	assert.Error(t, err)
	_, err = Hex("sha256", "abcd")
	assert.Error(t, err, "wrong length")
	_, err = Hex("sha256", "zz")
	assert.Error(t, err)

	h := sha512.Sum512([]byte("pnpm"))
	pm, err := PackageManagerHash("pnpm@9.1.0+sha512." + hex.EncodeToString(h[:]))
	require.NoError(t, err)
	assert.Equal(t, "sha512", pm.Algo)
	none, err := PackageManagerHash("pnpm@9.1.0")
	require.NoError(t, err)
	assert.True(t, none.IsZero())
	_, err = PackageManagerHash("pnpm@9.1.0+sha512")
	assert.Error(t, err)
	assert.Equal(t, "sha512:"+hex.EncodeToString(h[:]), pm.String())
}

// TestProgressReportsTheDownload: an archive's download reports its
// progress, the last time with every byte; a text document reports none.
func TestProgressReportsTheDownload(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 300_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	type report struct {
		done, total int64
		final       bool
	}
	var got []report
	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir(), Progress: func(_ string, done, total int64, final bool) {
		got = append(got, report{done, total, final})
	}}
	sum := sha256.Sum256(body)
	_, err := f.Get(context.Background(), srv.URL+"/a.tgz", Checksum{Algo: "sha256", Digest: sum[:]})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	assert.Equal(t, report{int64(len(body)), int64(len(body)), true}, got[len(got)-1])
	n := len(got)
	_, err = f.Text(context.Background(), srv.URL+"/doc", 1<<20)
	require.NoError(t, err)
	assert.Len(t, got, n, "no progress for documents")
}
