package tarentry

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdd: a file, a directory and a link go in owned by root, with their
// content and link target; a fixed mtime replaces the file's, a zero one
// keeps it.
func TestAdd(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("hello"), 0o640))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	require.NoError(t, os.Symlink("f", filepath.Join(dir, "l")))
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "f"), old, old))
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, Add(tw, filepath.Join(dir, "f"), "a/f", time.Time{}))
	require.NoError(t, Add(tw, filepath.Join(dir, "d"), "a/d/", fixed))
	require.NoError(t, Add(tw, filepath.Join(dir, "l"), "a/l", fixed))
	require.Error(t, Add(tw, filepath.Join(dir, "missing"), "a/m", fixed))
	require.NoError(t, tw.Close())

	tr := tar.NewReader(&buf)
	seen := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		seen[h.Name] = h
		assert.Zero(t, h.Uid, h.Name)
		assert.Zero(t, h.Gid, h.Name)
		assert.Empty(t, h.Uname+h.Gname, h.Name)
		if h.Name == "a/f" {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			assert.Equal(t, "hello", string(b))
		}
	}
	require.Len(t, seen, 3)
	assert.True(t, seen["a/f"].ModTime.Equal(old), "a zero mtime keeps the file's")
	assert.Equal(t, int64(0o640), seen["a/f"].Mode&0o777)
	assert.Equal(t, byte(tar.TypeDir), seen["a/d/"].Typeflag)
	assert.True(t, seen["a/d/"].ModTime.Equal(fixed))
	assert.Equal(t, byte(tar.TypeSymlink), seen["a/l"].Typeflag)
	assert.Equal(t, "f", seen["a/l"].Linkname)
}
