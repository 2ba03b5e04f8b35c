package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWrite: the file gets the data and the mode, its directory is made,
// and no temporary file is left.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.json")
	require.NoError(t, Write(path, []byte("one"), 0o600))
	require.NoError(t, Write(path, []byte("two"), 0o644))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two", string(b))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left")
}

// TestCopy: the copy has the source's content and the mode asked for, in a
// directory made for it, and no temporary file is left; a missing source
// leaves nothing behind.
func TestCopy(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	require.NoError(t, os.WriteFile(src, []byte("archive bytes"), 0o600))
	dst := filepath.Join(dir, "sub", "dst")
	require.NoError(t, Copy(src, dst, 0o644))
	b, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, "archive bytes", string(b))
	fi, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	left, _ := filepath.Glob(filepath.Join(dir, "sub", ".tmp-*"))
	assert.Empty(t, left)
	require.Error(t, Copy(filepath.Join(dir, "missing"), filepath.Join(dir, "other"), 0o644))
	assert.NoFileExists(t, filepath.Join(dir, "other"))
}
