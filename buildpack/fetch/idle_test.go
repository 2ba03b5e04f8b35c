package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stallingServer answers with half of body and then sends nothing more
// until the client gives up (or the test ends).
func stallingServer(t *testing.T, body []byte) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handler returns, Close does not wait forever
	return srv
}

func TestStalledDownloadFailsAfterTheIdleTimeout(t *testing.T) {
	body := make([]byte, 1<<20)
	srv := stallingServer(t, body)
	sum := sha256.Sum256(body)
	want, err := Hex("sha256", hex.EncodeToString(sum[:]))
	require.NoError(t, err)
	dir := t.TempDir()
	f := &Fetcher{Client: NewClientIdle(300 * time.Millisecond), Dir: dir}

	for name, get := range map[string]func() error{
		"Get": func() error { _, err := f.Get(context.Background(), srv.URL+"/a.tgz", want); return err },
		"Unpack": func() error {
			_, err := f.Unpack(context.Background(), srv.URL+"/a.tgz", want, filepath.Join(t.TempDir(), "x"), 0)
			return err
		},
		"Text": func() error { _, err := f.Text(context.Background(), srv.URL+"/a.txt", 1<<21); return err },
	} {
		err := get()
		var stalled *StalledError
		require.True(t, errors.As(err, &stalled), "%s: want a stalled download, got %v", name, err)
		assert.Contains(t, err.Error(), "the download stalled: no data for 300ms", name)
		assert.Contains(t, err.Error(), srv.URL, "%s: the message names the download", name)
	}
	left, _ := os.ReadDir(dir)
	assert.Empty(t, left, "a stalled download leaves no partial file")
}

func TestSlowDownloadThatKeepsComingSucceeds(t *testing.T) {
	chunks := 6
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < chunks; i++ {
			_, _ = w.Write([]byte("0123456789"))
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	f := &Fetcher{Client: NewClientIdle(2 * time.Second)}
	b, err := f.Text(context.Background(), srv.URL, 1<<10)
	require.NoError(t, err)
	assert.Len(t, b, 10*chunks)
}

func TestParseIdleTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"": DefaultIdleTimeout, "2": 2 * time.Second, "1.5": 1500 * time.Millisecond, "250ms": 250 * time.Millisecond, " 1m ": time.Minute} {
		got, err := ParseIdleTimeout(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"0", "-1", "soon", "1x"} {
		_, err := ParseIdleTimeout(bad)
		assert.ErrorContains(t, err, IdleTimeoutEnv, bad)
	}
}
