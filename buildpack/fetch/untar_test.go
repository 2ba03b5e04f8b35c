package fetch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func tarGz(t *testing.T, entries []entry) string {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: mode, Size: int64(len(e.body)), Linkname: e.link}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		require.NoError(t, tw.WriteHeader(hdr))
		if e.typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	p := filepath.Join(t.TempDir(), "a.tgz")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

func TestExtractTarGzStripsAndKeepsModes(t *testing.T) {
	archive := tarGz(t, []entry{
		{name: "node-v24/", typ: tar.TypeDir, mode: 0o755},
		{name: "node-v24/bin/node", body: "#!/bin/sh\n", typ: tar.TypeReg, mode: 0o755},
		{name: "node-v24/bin/npm", typ: tar.TypeSymlink, link: "../lib/npm-cli.js"},
		{name: "node-v24/lib/npm-cli.js", body: "cli", typ: tar.TypeReg},
		{name: "node-v24/lib/hard.js", typ: tar.TypeLink, link: "node-v24/lib/npm-cli.js"},
	})
	dest := t.TempDir()
	require.NoError(t, ExtractTarGz(archive, dest, 1))
	fi, err := os.Stat(filepath.Join(dest, "bin/node"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	link, err := os.Readlink(filepath.Join(dest, "bin/npm"))
	require.NoError(t, err)
	assert.Equal(t, "../lib/npm-cli.js", link)
	b, err := os.ReadFile(filepath.Join(dest, "lib/hard.js"))
	require.NoError(t, err)
	assert.Equal(t, "cli", string(b))
}

func TestExtractRejectsEscapes(t *testing.T) {
	for name, entries := range map[string][]entry{
		"dotdot":        {{name: "x/../../evil", body: "x", typ: tar.TypeReg}},
		"absolute link": {{name: "x/link", typ: tar.TypeSymlink, link: "/etc/passwd"}},
		"escaping link": {{name: "x/link", typ: tar.TypeSymlink, link: "../../../etc"}},
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			err := ExtractTarGz(tarGz(t, entries), dest, 1)
			assert.Error(t, err)
			_, statErr := os.Stat(filepath.Join(parent, "evil"))
			assert.True(t, os.IsNotExist(statErr))
		})
	}
}

func TestSafeJoin(t *testing.T) {
	p, err := SafeJoin("/app", "public/index.php")
	require.NoError(t, err)
	assert.Equal(t, "/app/public/index.php", p)
	for _, bad := range []string{"../etc", "/etc/passwd", "a/../../b", ".."} {
		_, err := SafeJoin("/app", bad)
		assert.Error(t, err, bad)
	}
	p, err = SafeJoin("/app", "a/../b")
	require.NoError(t, err)
	assert.Equal(t, "/app/b", p)
}
