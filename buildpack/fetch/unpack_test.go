package fetch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func tarGzBytes(t *testing.T, entries []entry) []byte {
	t.Helper()
	b, err := os.ReadFile(tarGz(t, entries))
	require.NoError(t, err)
	return b
}

func sha(b []byte) Checksum {
	s := sha256.Sum256(b)
	return Checksum{Algo: "sha256", Digest: s[:]}
}

// slowServer serves body in small pieces with pauses, so that the
// extraction catches up with the download and has to wait for it.
func slowServer(t *testing.T, body []byte) (*httptest.Server, *int32) {
	var hits int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&hits, 1)
		for len(body) > 0 {
			n := min(len(body), 4096)
			_, _ = w.Write(body[:n])
			w.(http.Flusher).Flush()
			body = body[n:]
			time.Sleep(time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func runtimeEntries() []entry {
	es := []entry{
		{name: "node-v24/", typ: tar.TypeDir, mode: 0o755},
		{name: "node-v24/bin/node", body: strings.Repeat("ELF", 300000), typ: tar.TypeReg, mode: 0o755},
		{name: "node-v24/bin/npm", typ: tar.TypeSymlink, link: "../lib/npm-cli.js"},
		{name: "node-v24/lib/npm-cli.js", body: "cli", typ: tar.TypeReg},
	}
	for i := range 40 {
		es = append(es, entry{name: fmt.Sprintf("node-v24/include/node/h%02d.h", i), body: strings.Repeat("x", i*100), typ: tar.TypeReg})
	}
	return es
}

func TestUnpackExtractsWhileDownloadingThenReusesTheStore(t *testing.T) {
	body := tarGzBytes(t, runtimeEntries())
	srv, hits := slowServer(t, body)
	store := t.TempDir()
	f := &Fetcher{Client: srv.Client(), Dir: store}
	dest := filepath.Join(t.TempDir(), "node")
	res, err := f.Unpack(context.Background(), srv.URL+"/node.tgz", sha(body), dest, 1)
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Positive(t, res.Transfer)
	stored, err := os.ReadFile(res.Path)
	require.NoError(t, err)
	assert.Equal(t, body, stored, "the verified archive is kept in the store")
	b, err := os.ReadFile(filepath.Join(dest, "bin/node"))
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("ELF", 300000), string(b))
	fi, err := os.Stat(filepath.Join(dest, "bin/node"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	assert.FileExists(t, filepath.Join(dest, "include/node/h39.h"))

	dest2 := filepath.Join(t.TempDir(), "node")
	res, err = f.Unpack(context.Background(), srv.URL+"/node.tgz", sha(body), dest2, 1)
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, int32(1), atomic.LoadInt32(hits))
	assert.Equal(t, treeOf(t, dest), treeOf(t, dest2))
}

func TestUnpackChecksumMismatchLeavesNothing(t *testing.T) {
	body := tarGzBytes(t, runtimeEntries())
	srv, _ := slowServer(t, body)
	store := t.TempDir()
	parent := t.TempDir()
	dest := filepath.Join(parent, "node")
	f := &Fetcher{Client: srv.Client(), Dir: store}
	_, err := f.Unpack(context.Background(), srv.URL+"/node.tgz", sha([]byte("the real one")), dest, 1)
	var mm *MismatchError
	require.True(t, errors.As(err, &mm), "got %v", err)
	assertEmpty(t, store)
	assertEmpty(t, parent)
}

func TestUnpackRejectsEscapesAndLeavesNothing(t *testing.T) {
	for name, entries := range map[string][]entry{
		"dotdot":       {{name: "x/ok", body: "fine", typ: tar.TypeReg}, {name: "x/../../evil", body: "x", typ: tar.TypeReg}},
		"through link": {{name: "x/a", typ: tar.TypeSymlink, link: "."}, {name: "x/a/l", typ: tar.TypeSymlink, link: "../evil"}},
	} {
		t.Run(name, func(t *testing.T) {
			body := tarGzBytes(t, entries)
			srv, _ := slowServer(t, body)
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
			// With the right checksum: the archive itself is refused.
			_, err := f.Unpack(context.Background(), srv.URL+"/a.tgz", sha(body), dest, 1)
			require.Error(t, err)
			assertEmpty(t, parent)
			// With a wrong one: the mismatch is what is reported.
			_, err = f.Unpack(context.Background(), srv.URL+"/a.tgz", sha([]byte("other")), dest, 1)
			var mm *MismatchError
			require.True(t, errors.As(err, &mm), "got %v", err)
			assertEmpty(t, parent)
		})
	}
}

func TestUnpackNetworkErrorLeavesNothing(t *testing.T) {
	body := tarGzBytes(t, runtimeEntries())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body[:len(body)/2]) // then the connection closes early
	}))
	t.Cleanup(srv.Close)
	store, parent := t.TempDir(), t.TempDir()
	f := &Fetcher{Client: srv.Client(), Dir: store}
	_, err := f.Unpack(context.Background(), srv.URL+"/a.tgz", sha(body), filepath.Join(parent, "d"), 1)
	require.Error(t, err)
	assertEmpty(t, store)
	assertEmpty(t, parent)
	_, err = f.Unpack(context.Background(), srv.URL+"/a.tgz", Checksum{}, filepath.Join(parent, "d"), 1)
	assert.ErrorContains(t, err, "without a checksum")
}

// An unverified download cannot make the extraction write more than its
// bound; the verification result then releases or stops it.
func TestUnverifiedExpansionIsBounded(t *testing.T) {
	g := newGrowing(nil)
	g.written = 1000
	e := expand{g: g, r: zeros{}}
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, e)
		done <- err
	}()
	limit := int64(unverifiedRatio*1000 + unverifiedMargin)
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.expanded > limit-64<<10
	}, 10*time.Second, time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the expansion did not wait: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	g.mu.Lock()
	assert.LessOrEqual(t, g.expanded, limit)
	g.mu.Unlock()
	g.finish(errors.New("checksum mismatch"))
	assert.ErrorContains(t, <-done, "checksum mismatch")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Empty(t, names, "nothing may be left in %s", dir)
}

// treeOf describes a tree: type, permissions, content or link target, and
// which paths share an inode.
func treeOf(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	inodes := map[uint64]string{}
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(root, path)
		fi, err := os.Lstat(path)
		require.NoError(t, err)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(path)
			out[rel] = "link " + l
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir %v", fi.Mode().Perm())
		default:
			b, _ := os.ReadFile(path)
			s := fmt.Sprintf("file %v %x", fi.Mode().Perm(), sha256.Sum256(b))
			if ino := inode(fi); ino != 0 {
				if first, ok := inodes[ino]; ok {
					s += " same as " + first
				} else {
					inodes[ino] = rel
				}
			}
			out[rel] = s
		}
		return nil
	}))
	return out
}

func TestParallelExtractionMatchesSerial(t *testing.T) {
	es := []entry{{name: "pkg/", typ: tar.TypeDir, mode: 0o750}}
	for i := range 300 {
		mode := int64(0o644)
		if i%7 == 0 {
			mode = 0o755
		}
		es = append(es, entry{name: fmt.Sprintf("pkg/d%d/e%d/f%d.js", i%5, i%11, i), body: strings.Repeat(fmt.Sprint(i), i), typ: tar.TypeReg, mode: mode})
	}
	es = append(es,
		entry{name: "pkg/big.bin", body: strings.Repeat("0123456789", 300000), typ: tar.TypeReg, mode: 0o700},
		entry{name: "pkg/d1/e1/f1.js", body: "replaced by a later entry", typ: tar.TypeReg},
		entry{name: "pkg/bin/tool", typ: tar.TypeSymlink, link: "../d0/e0/f0.js"},
		entry{name: "pkg/hard.js", typ: tar.TypeLink, link: "pkg/d2/e2/f2.js"},
		entry{name: "pkg/hardbig", typ: tar.TypeLink, link: "pkg/big.bin"},
		entry{name: "pkg/empty/", typ: tar.TypeDir, mode: 0o700},
	)
	archive := tarGz(t, es)
	extract := func(workers int) map[string]string {
		dest := t.TempDir()
		require.NoError(t, extractTarGz(archive, dest, 1, extractOptions{workers: workers}))
		return treeOf(t, dest)
	}
	serial, parallel := extract(1), extract(8)
	assert.Equal(t, serial, parallel)
	assert.Contains(t, serial["hard.js"], "same as")
	assert.Contains(t, serial["hardbig"], "same as big.bin")
	assert.Equal(t, "link ../d0/e0/f0.js", serial["bin/tool"])
	want := fmt.Sprintf("file -rw-r--r-- %x", sha256.Sum256([]byte("replaced by a later entry")))
	assert.Equal(t, want, serial["d1/e1/f1.js"], "a later entry replaces an earlier one")
}

func TestExtractNeverWritesThroughLinks(t *testing.T) {
	for name, entries := range map[string][]entry{
		"file under a link":      {{name: "x/a", typ: tar.TypeSymlink, link: "."}, {name: "x/a/f", body: "x", typ: tar.TypeReg}},
		"directory under a link": {{name: "x/a", typ: tar.TypeSymlink, link: "b"}, {name: "x/b/", typ: tar.TypeDir}, {name: "x/a/c/", typ: tar.TypeDir}},
		"hard link to outside":   {{name: "x/h", typ: tar.TypeLink, link: "x/../../etc/passwd"}},
		"hard link to unknown":   {{name: "x/h", typ: tar.TypeLink, link: "x/nothing"}},
	} {
		t.Run(name, func(t *testing.T) {
			dest := t.TempDir()
			assert.Error(t, ExtractTarGz(tarGz(t, entries), dest, 1))
		})
	}
	// A link already in the destination is not followed either.
	dest, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(dest, "lib")))
	err := ExtractTarGz(tarGz(t, []entry{{name: "x/lib/evil", body: "x", typ: tar.TypeReg}}), dest, 1)
	assert.Error(t, err)
	assertEmpty(t, outside)
	// Nor is a file that is a link.
	require.NoError(t, os.Symlink(filepath.Join(outside, "f"), filepath.Join(dest, "f")))
	require.NoError(t, ExtractTarGz(tarGz(t, []entry{{name: "x/f", body: "inside", typ: tar.TypeReg}}), dest, 1))
	assertEmpty(t, outside)
	b, err := os.ReadFile(filepath.Join(dest, "f"))
	require.NoError(t, err)
	assert.Equal(t, "inside", string(b))
}

// TestUnpackReadsMultiMemberGzip: an archive made of two gzip members (as
// `cat a.gz b.gz` or pigz may produce) extracts like a single-member one.
func TestUnpackReadsMultiMemberGzip(t *testing.T) {
	whole, err := os.ReadFile(tarGz(t, runtimeEntries()))
	require.NoError(t, err)
	// The same tar stream, cut in two and compressed as two members.
	zr, err := gzip.NewReader(bytes.NewReader(whole))
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	var body bytes.Buffer
	for _, part := range [][]byte{raw[:len(raw)/3], raw[len(raw)/3:]} {
		zw := gzip.NewWriter(&body)
		_, err := zw.Write(part)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
	}

	srv, _ := slowServer(t, body.Bytes())
	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
	dest := filepath.Join(t.TempDir(), "node")
	_, err = f.Unpack(context.Background(), srv.URL+"/node.tgz", sha(body.Bytes()), dest, 1)
	require.NoError(t, err)

	want := filepath.Join(t.TempDir(), "node")
	require.NoError(t, ExtractTarGz(tarGz(t, runtimeEntries()), want, 1))
	assert.Equal(t, treeOf(t, want), treeOf(t, dest))
}
