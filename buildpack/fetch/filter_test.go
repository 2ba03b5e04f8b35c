package fetch

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnpackFilteredLeavesOutEntries: a runtime extracted without include/,
// while it downloads and then from the store; the stored archive is whole.
func TestUnpackFilteredLeavesOutEntries(t *testing.T) {
	body := tarGzBytes(t, runtimeEntries())
	srv, hits := slowServer(t, body)
	f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
	for i, want := range []bool{false, true} {
		dest := filepath.Join(t.TempDir(), "node")
		res, err := f.UnpackFiltered(context.Background(), srv.URL+"/node.tgz", sha(body), dest, 1, Not(Under("include")))
		require.NoError(t, err)
		assert.Equal(t, want, res.Cached, "build %d", i)
		assert.NoDirExists(t, filepath.Join(dest, "include"))
		assert.FileExists(t, filepath.Join(dest, "bin/node"))
		assert.FileExists(t, filepath.Join(dest, "lib/npm-cli.js"))
		stored, err := os.ReadFile(res.Path)
		require.NoError(t, err)
		assert.Equal(t, body, stored)
	}
	assert.EqualValues(t, 1, *hits)
}

// TestFilterKeepsTheSafetyChecks: an entry the filter leaves out is still
// checked, and a hard link to a file left out is refused.
func TestFilterKeepsTheSafetyChecks(t *testing.T) {
	for name, entries := range map[string][]entry{
		"escape outside the selection":   {{name: "x/bin/a", body: "a", typ: tar.TypeReg}, {name: "x/include/../../../evil", body: "x", typ: tar.TypeReg}},
		"escaping link in the selection": {{name: "x/bin/l", typ: tar.TypeSymlink, link: "../../../etc"}},
		"hard link to a skipped file":    {{name: "x/include/node.h", body: "n", typ: tar.TypeReg}, {name: "x/bin/node.h", typ: tar.TypeLink, link: "x/include/node.h"}},
	} {
		t.Run(name, func(t *testing.T) {
			body := tarGzBytes(t, entries)
			srv, _ := slowServer(t, body)
			f := &Fetcher{Client: srv.Client(), Dir: t.TempDir()}
			parent := t.TempDir()
			_, err := f.UnpackFiltered(context.Background(), srv.URL+"/a.tgz", sha(body), filepath.Join(parent, "dest"), 1, Not(Under("include")))
			require.Error(t, err)
			assertEmpty(t, parent)
			_, statErr := os.Stat(filepath.Join(filepath.Dir(parent), "evil"))
			assert.True(t, os.IsNotExist(statErr))
		})
	}
}

func TestUnder(t *testing.T) {
	in := Under("include")
	for rel, want := range map[string]bool{"include": true, "include/node/a.h": true, "included": false, "bin/include": false, "": false} {
		assert.Equal(t, want, in(rel), rel)
		assert.Equal(t, !want, Not(in)(rel), rel)
	}
}

// TestRepack makes an archive of the headers of a runtime archive, under a
// new top directory, with their contents and modes; the rest is left out.
func TestRepack(t *testing.T) {
	entries := append(runtimeEntries(),
		entry{name: "node-v24/include/node/link.h", typ: tar.TypeSymlink, link: "h01.h"},
		entry{name: "node-v24/include/node/common.gypi", body: "{}", typ: tar.TypeReg, mode: 0o600})
	archive := filepath.Join(t.TempDir(), "node.tgz")
	require.NoError(t, os.WriteFile(archive, tarGzBytes(t, entries), 0o644))
	var buf bytes.Buffer
	require.NoError(t, Repack(archive, 1, Under("include"), "node-v24.1.0/", &buf))

	gz, err := gzip.NewReader(&buf)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	got := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		got[hdr.Name] = string(b)
		if strings.HasSuffix(hdr.Name, "common.gypi") {
			assert.EqualValues(t, 0o600, hdr.Mode)
		}
	}
	assert.Len(t, got, 41, "40 headers and common.gypi; no link, nothing outside include/")
	assert.Equal(t, strings.Repeat("x", 500), got["node-v24.1.0/include/node/h05.h"])
	assert.Equal(t, "{}", got["node-v24.1.0/include/node/common.gypi"])
	assert.NotContains(t, got, "node-v24.1.0/bin/node")
	assert.NotContains(t, got, "node-v24.1.0/include/node/link.h")

	t.Run("unsafe entries are errors", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.tgz")
		require.NoError(t, os.WriteFile(bad, tarGzBytes(t, []entry{{name: "x/include/../../../evil.h", body: "x", typ: tar.TypeReg}}), 0o644))
		require.Error(t, Repack(bad, 1, Under("include"), "p/", io.Discard))
	})
}
