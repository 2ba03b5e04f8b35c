package headers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// TestHeaderServerRedirectsTheRest: other releases and files go to the
// upstream mirror; a request made before Node.js is installed, or whose
// archive cannot be had, fails clearly.
func TestHeaderServerRedirectsTheRest(t *testing.T) {
	h, err := Start(Options{Upstream: "https://mirror.example/dist", Dir: t.TempDir(),
		Get: func(context.Context, string, fetch.Checksum) (fetch.Result, error) {
			return fetch.Result{}, errors.New("unreachable")
		}}, Loopback)
	require.NoError(t, err)
	defer h.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		resp, err := client.Get(h.URL() + path)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	resp := get("/v24.18.0/node-v24.18.0-headers.tar.gz")
	assert.Equal(t, http.StatusFound, resp.StatusCode, "no Node.js installed yet")

	h.Use(Archive{Version: "24.18.0", URL: "https://x/node.tgz", Sum: fetch.Checksum{Algo: "sha256", Digest: make([]byte, 32)}, Strip: 1})
	for path, want := range map[string]string{
		"/v22.1.0/node-v22.1.0-headers.tar.gz": "https://mirror.example/dist/v22.1.0/node-v22.1.0-headers.tar.gz",
		"/v24.18.0/node-v24.18.0.tar.gz":       "https://mirror.example/dist/v24.18.0/node-v24.18.0.tar.gz",
		"/index.json":                          "https://mirror.example/dist/index.json",
	} {
		resp := get(path)
		assert.Equal(t, http.StatusFound, resp.StatusCode, path)
		assert.Equal(t, want, resp.Header.Get("Location"), path)
	}
	resp, err = http.Get(h.URL() + "/v24.18.0/SHASUMS256.txt")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Contains(t, string(b), "unreachable")
}

// nodeTarGz is a Node.js archive of one header and one binary.
func nodeTarGz(t *testing.T) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{
		"node-v24.18.0-linux-x64/include/node/node.h": "/* header */\n",
		"node-v24.18.0-linux-x64/bin/node":            "binary",
	} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// TestServesTheArchiveHeaders: the tarball served holds the archive's
// include/ under node-v<version>/, SHASUMS256.txt names its digest, and a
// second server on the same directory serves the kept tarball without
// getting the archive.
func TestServesTheArchiveHeaders(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "node.tar.gz")
	require.NoError(t, os.WriteFile(archive, nodeTarGz(t), 0o644))
	dir := t.TempDir()
	serve := func() (map[string]string, string, int32) {
		var gets atomic.Int32
		var out buildpacktest.SyncBuffer
		h, err := Start(Options{Upstream: "https://mirror.example/dist", Dir: dir, Log: buildpack.NewLogger(&out, nil),
			Get: func(context.Context, string, fetch.Checksum) (fetch.Result, error) {
				gets.Add(1)
				return fetch.Result{Path: archive}, nil
			}}, Loopback)
		require.NoError(t, err)
		defer h.Close()
		h.Use(Archive{Version: "24.18.0", URL: "https://x/node.tgz", Sum: fetch.Checksum{Algo: "sha256", Digest: make([]byte, 32)}, Strip: 1})
		get := func(file string) []byte {
			resp, err := http.Get(h.URL() + "/v24.18.0/" + file)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			return b
		}
		tgz, sums := get("node-v24.18.0-headers.tar.gz"), get("SHASUMS256.txt")
		sum := sha256.Sum256(tgz)
		assert.Equal(t, hex.EncodeToString(sum[:])+"  node-v24.18.0-headers.tar.gz\n", string(sums))
		gz, err := gzip.NewReader(bytes.NewReader(tgz))
		require.NoError(t, err)
		entries := map[string]string{}
		tr := tar.NewReader(gz)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			b, _ := io.ReadAll(tr)
			entries[hdr.Name] = string(b)
		}
		return entries, out.String(), gets.Load()
	}
	entries, out, gets := serve()
	assert.Equal(t, map[string]string{"node-v24.18.0/include/node/node.h": "/* header */\n"}, entries)
	assert.Equal(t, int32(1), gets)
	assert.Contains(t, out, "Serving the C headers of Node.js 24.18.0 to node-gyp (made from the verified Node.js archive in ")
	assert.Equal(t, 1, strings.Count(out, "Serving"), "said once")

	entries2, out2, gets2 := serve()
	assert.Equal(t, entries, entries2)
	assert.Zero(t, gets2, "the kept tarball is served")
	assert.Contains(t, out2, "(kept from an earlier build)")
	left, _ := filepath.Glob(filepath.Join(dir, ".part-*"))
	assert.Empty(t, left, "no partial files")
}
