package cache

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes files (slash-separated paths to contents) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Stat(p)
	require.NoError(t, err)
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestCloneTreeLinksAndCopies(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"lib/code.js": "code", "lib/meta.json": "meta", "skipped/x": "x", "lib/skipped.txt": "y",
	})
	require.NoError(t, os.Chmod(filepath.Join(src, "lib", "meta.json"), 0o600))
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(src, "lib", "meta.json"), mtime, mtime))
	require.NoError(t, os.MkdirAll(filepath.Join(src, "bin"), 0o755))
	require.NoError(t, os.Symlink("../lib/code.js", filepath.Join(src, "bin", "tool")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(src, "lib", "fifo"), 0o644))

	dst := filepath.Join(t.TempDir(), "tree")
	var asked []string
	n, err := CloneTree(src, dst,
		func(rel string) bool { return rel == "skipped" || rel == "lib/skipped.txt" },
		func(rel string) bool { asked = append(asked, rel); return !strings.HasSuffix(rel, ".json") })
	require.NoError(t, err)
	assert.Equal(t, 2, n, "regular files placed; skipped paths, symlinks and fifos not counted")
	assert.ElementsMatch(t, []string{"lib/code.js", "lib/meta.json"}, asked, "link is asked with slash-separated relative paths")

	assert.Equal(t, inode(t, filepath.Join(src, "lib/code.js")), inode(t, filepath.Join(dst, "lib/code.js")), "linked")
	assert.NotEqual(t, inode(t, filepath.Join(src, "lib/meta.json")), inode(t, filepath.Join(dst, "lib/meta.json")), "copied")
	fi, err := os.Stat(filepath.Join(dst, "lib/meta.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "a copy keeps the permissions")
	assert.True(t, fi.ModTime().Equal(mtime), "a copy keeps the modification time")

	l, err := os.Readlink(filepath.Join(dst, "bin", "tool"))
	require.NoError(t, err)
	assert.Equal(t, "../lib/code.js", l, "symlinks are recreated as they are")
	assert.NoFileExists(t, filepath.Join(dst, "lib", "fifo"))
	assert.NoDirExists(t, filepath.Join(dst, "skipped"))
	assert.NoFileExists(t, filepath.Join(dst, "lib", "skipped.txt"))

	// Rewriting the copy in place leaves the source alone.
	require.NoError(t, os.WriteFile(filepath.Join(dst, "lib/meta.json"), []byte("rewritten"), 0o644))
	b, err := os.ReadFile(filepath.Join(src, "lib/meta.json"))
	require.NoError(t, err)
	assert.Equal(t, "meta", string(b))
}

func TestCloneTreeNilLinkCopiesEverything(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{"a": "a", "d/b": "b"})
	dst := filepath.Join(t.TempDir(), "tree")
	n, err := CloneTree(src, dst, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.NotEqual(t, inode(t, filepath.Join(src, "d/b")), inode(t, filepath.Join(dst, "d/b")))
}

func TestCloneTreeMergesButNeverOverwrites(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{"composer/installed.json": "saved", "acme/a.php": "a"})
	dst := t.TempDir()
	writeTree(t, dst, map[string]string{"composer/bin/composer": "phar"})
	link := func(string) bool { return true }
	n, err := CloneTree(src, dst, nil, link)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.FileExists(t, filepath.Join(dst, "composer/bin/composer"), "existing directories are merged into")
	assert.FileExists(t, filepath.Join(dst, "composer/installed.json"))

	for name, l := range map[string]func(string) bool{"link": link, "copy": nil} {
		t.Run(name, func(t *testing.T) {
			other := t.TempDir()
			writeTree(t, other, map[string]string{"acme/a.php": "mine"})
			_, err := CloneTree(src, other, nil, l)
			require.Error(t, err)
			assert.ErrorIs(t, err, os.ErrExist)
			assert.Contains(t, err.Error(), "copying "+src+" to "+other)
			b, _ := os.ReadFile(filepath.Join(other, "acme/a.php"))
			assert.Equal(t, "mine", string(b), "an existing file is never overwritten")
		})
	}
}

// TestCloneTreeAcrossFilesystems clones from tmpfs to the temporary
// directory's filesystem, where hard links fail: every file is copied.
func TestCloneTreeAcrossFilesystems(t *testing.T) {
	src, err := os.MkdirTemp("/dev/shm", "cache-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(src) })
	dst := filepath.Join(t.TempDir(), "tree")
	var a, b syscall.Stat_t
	require.NoError(t, syscall.Stat(src, &a))
	require.NoError(t, syscall.Stat(filepath.Dir(dst), &b))
	if a.Dev == b.Dev {
		t.Skip("/dev/shm and the temporary directory are on the same filesystem")
	}
	writeTree(t, src, map[string]string{"a": "a", "d/b": "b", "d/e/c": "c"})
	n, err := CloneTree(src, dst, nil, func(string) bool { return true })
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, rel := range []string{"a", "d/b", "d/e/c"} {
		got, err := os.ReadFile(filepath.Join(dst, rel))
		require.NoError(t, err)
		assert.Equal(t, filepath.Base(rel), string(got))
	}
}
