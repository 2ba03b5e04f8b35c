package fetch

import (
	"archive/tar"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// TestHardeningExtractLinkChains extracts crafted archives whose links,
// each inside the destination on its own, lead out of it together, or
// whose entries go through a link: each is refused with the entry named,
// the link that leads out is not left behind, and nothing outside the
// destination changes.
func TestHardeningExtractLinkChains(t *testing.T) {
	for name, tc := range map[string]struct {
		entries []entry
		want    string
		gone    string // a link that must not be left in the destination
	}{
		"chain of two": {
			entries: []entry{
				{name: "p/a/l1", typ: tar.TypeSymlink, link: ".."},
				{name: "p/a/l2", typ: tar.TypeSymlink, link: "l1/.."},
			},
			want: "archive entry a/l2 links outside the destination: a/l2 is a symbolic link to l1/..",
			gone: "a/l2",
		},
		"chain whose first link comes last": {
			entries: []entry{
				{name: "p/a/l2", typ: tar.TypeSymlink, link: "l1/.."},
				{name: "p/a/l1", typ: tar.TypeSymlink, link: ".."},
			},
			want: "archive entry a/l2 links outside the destination",
			gone: "a/l2",
		},
		"chain of three": {
			entries: []entry{
				{name: "p/a/b/l1", typ: tar.TypeSymlink, link: ".."},
				{name: "p/a/b/l2", typ: tar.TypeSymlink, link: "l1/.."},
				{name: "p/a/b/l3", typ: tar.TypeSymlink, link: "l2/../outside/file"},
			},
			want: "archive entry a/b/l3 links outside the destination: a/b/l3 is a symbolic link to l2/../outside/file",
			gone: "a/b/l3",
		},
		"link then a file through it": {
			entries: []entry{
				{name: "p/a/l", typ: tar.TypeSymlink, link: "../b"},
				{name: "p/a/l/file", body: "x", typ: tar.TypeReg},
			},
			want: "archive entry a/l: a directory where the archive put a link or file",
		},
		"chain then a file through it": {
			entries: []entry{
				{name: "p/a/l1", typ: tar.TypeSymlink, link: ".."},
				{name: "p/a/l2", typ: tar.TypeSymlink, link: "l1/.."},
				{name: "p/a/l2/outside/file", body: "x", typ: tar.TypeReg},
			},
			want: "archive entry a/l2: a directory where the archive put a link or file",
		},
		"absolute target": {
			entries: []entry{{name: "p/a/l", typ: tar.TypeSymlink, link: "/tmp"}},
			want:    "archive entry p/a/l links outside the destination (/tmp)",
		},
		"loop": {
			entries: []entry{
				{name: "p/a/l1", typ: tar.TypeSymlink, link: "l2"},
				{name: "p/a/l2", typ: tar.TypeSymlink, link: "l1"},
			},
			want: "too many levels of symbolic links",
		},
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(parent, "outside"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(parent, "outside", "file"), []byte("keep"), 0o644))
			dest := filepath.Join(parent, "dest")
			before := buildpacktest.TreeDigest(t, parent)
			err := ExtractTarGz(tarGz(t, tc.entries), dest, 1)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if tc.gone != "" {
				_, lerr := os.Lstat(filepath.Join(dest, tc.gone))
				assert.True(t, os.IsNotExist(lerr), "%s is removed", tc.gone)
			}
			assert.Equal(t, before, buildpacktest.TreeDigest(t, parent, dest), "nothing outside the destination changed")
		})
	}
}

// TestHardeningExtractLinkChainsInside keeps chains that stay inside, and
// links to what the archive creates later.
func TestHardeningExtractLinkChainsInside(t *testing.T) {
	archive := tarGz(t, []entry{
		{name: "p/bin/npm", typ: tar.TypeSymlink, link: "../lib/npm"},
		{name: "p/lib/npm", typ: tar.TypeSymlink, link: "../lib/./npm-cli.js"},
		{name: "p/lib/npm-cli.js", body: "cli", typ: tar.TypeReg},
		{name: "p/a/b/up", typ: tar.TypeSymlink, link: "../.."},
		{name: "p/a/b/again", typ: tar.TypeSymlink, link: "up/a/b/up/lib"},
	})
	dest := t.TempDir()
	require.NoError(t, ExtractTarGz(archive, dest, 1))
	b, err := os.ReadFile(filepath.Join(dest, "bin/npm"))
	require.NoError(t, err)
	assert.Equal(t, "cli", string(b))
	fi, err := os.Stat(filepath.Join(dest, "a/b/again"))
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
}
