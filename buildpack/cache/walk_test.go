package cache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWalkParallelSeesWhatWalkDirSees: every entry below the root, once,
// with any number of workers; SkipDir and SkipAll work; errors stop it.
func TestWalkParallelSeesWhatWalkDirSees(t *testing.T) {
	root := t.TempDir()
	for i := range 30 {
		for j := range 4 {
			p := filepath.Join(root, "pkg"+string(rune('a'+i%26))+string(rune('0'+i/26)), "lib", string(rune('a'+j)), "f.js")
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		}
	}
	require.NoError(t, os.Symlink("pkga0", filepath.Join(root, "link")))
	var want []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if p != root {
			want = append(want, p)
		}
		return err
	}))
	for _, workers := range []int{1, 2, 4, 16} {
		var mu sync.Mutex
		var got []string
		require.NoError(t, WalkParallel(root, workers, func(p string, d fs.DirEntry) error {
			mu.Lock()
			got = append(got, p)
			mu.Unlock()
			return nil
		}))
		sort.Strings(got)
		sort.Strings(want)
		assert.Equal(t, want, got, "%d workers", workers)
	}

	var mu sync.Mutex
	var got []string
	require.NoError(t, WalkParallel(root, 4, func(p string, d fs.DirEntry) error {
		if d.IsDir() && d.Name() == "lib" {
			return fs.SkipDir
		}
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
		return nil
	}))
	assert.Len(t, got, 31, "the 30 packages and the link, nothing under lib")

	require.NoError(t, WalkParallel(root, 4, func(string, fs.DirEntry) error { return fs.SkipAll }))
	boom := errors.New("boom")
	assert.ErrorIs(t, WalkParallel(root, 4, func(p string, d fs.DirEntry) error {
		if d.Name() == "f.js" {
			return boom
		}
		return nil
	}), boom)
	assert.Error(t, WalkParallel(filepath.Join(root, "missing"), 4, func(string, fs.DirEntry) error { return nil }))
}
