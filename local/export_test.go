package local

import (
	"archive/tar"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlugModes checks that a slug any user can run comes out of a build
// whatever the modes its files were made with: directories 0755, group and
// other read (execute) where the owner has it, and a 0644 tarball.
func TestSlugModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".scalingo", "node", "bin"), 0o700))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".kiln"), 0o700))
	files := map[string]fs.FileMode{
		".kiln/release.yml":       0o600, // every slug has its release (the tarball starts with it)
		".scalingo/node/bin/node": 0o700,
		"server.js":               0o600,
		"public.txt":              0o644,
		"secret-for-owner":        0o200,
	}
	for name, mode := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(name), 0o600))
		require.NoError(t, os.Chmod(p, mode))
	}
	require.NoError(t, os.Symlink("server.js", filepath.Join(dir, "link")))
	for _, d := range []string{dir, filepath.Join(dir, ".scalingo"), filepath.Join(dir, ".scalingo", "node")} {
		require.NoError(t, os.Chmod(d, 0o700))
	}

	size, err := readableSlug(dir)
	require.NoError(t, err)
	assert.Positive(t, size)
	want := map[string]fs.FileMode{
		".":                       0o755,
		".scalingo":               0o755,
		".scalingo/node":          0o755,
		".scalingo/node/bin":      0o755,
		".scalingo/node/bin/node": 0o755,
		"server.js":               0o644,
		"public.txt":              0o644,
		"secret-for-owner":        0o200,
	}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, mode, fi.Mode().Perm(), name)
	}

	tgz := filepath.Join(t.TempDir(), "slug.tgz")
	require.NoError(t, writeTarGz(dir, tgz))
	fi, err := os.Stat(tgz)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm(), "the --tar file")
	f, err := os.Open(tgz)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	seen := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if mode, ok := want[filepath.Clean(h.Name)]; ok {
			assert.Equal(t, int64(mode), h.Mode&0o7777, h.Name)
			seen++
		}
	}
	assert.Equal(t, len(want)-1, seen, "every entry but the root is in the tarball")
}
