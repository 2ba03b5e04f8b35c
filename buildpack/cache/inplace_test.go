package cache

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckSharedDropsATreeWrittenInPlace places a saved tree by hard links,
// as the ecosystems do, then rewrites a placed file in place: the save
// shares that file, so it must be dropped; a file replaced by rename must
// not count.
func TestCheckSharedDropsATreeWrittenInPlace(t *testing.T) {
	s := Store{Root: filepath.Join(t.TempDir(), "node"), Name: "deps", Noun: "the saved dependencies"}
	rel, err := s.CheckShared(nil)
	require.NoError(t, err)
	assert.Empty(t, rel, "nothing saved: nothing to check")

	_, err = s.Save(fillWith("v1", "one"), nil)
	require.NoError(t, err)
	// Files of a real install are older than the save; make that explicit
	// so the test does not depend on the filesystem's timestamp resolution.
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(s.Tree(), "pkg", "a"), old, old))
	require.NoError(t, os.Chtimes(filepath.Join(s.Dir(), ManifestFile), old.Add(time.Minute), old.Add(time.Minute)))

	app := filepath.Join(t.TempDir(), "node_modules")
	_, err = CloneTree(s.Tree(), app, nil, func(string) bool { return true })
	require.NoError(t, err)

	// Replaced by a new file (write + rename): the save keeps its own.
	tmp := filepath.Join(app, "pkg", ".a.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte("replaced"), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(app, "pkg", "a")))
	var mu sync.Mutex
	var visited []string
	rel, err = s.CheckShared(func(rel string, d fs.DirEntry) {
		mu.Lock()
		defer mu.Unlock()
		visited = append(visited, rel)
	})
	require.NoError(t, err)
	assert.Empty(t, rel)
	assert.Equal(t, "one", readTree(t, s))
	assert.ElementsMatch(t, []string{"pkg", "pkg/a"}, visited, "the visitor sees every entry, relative to the tree")

	// Placed again, then written in place: the saved copy changed with it.
	require.NoError(t, os.RemoveAll(app))
	_, err = CloneTree(s.Tree(), app, nil, func(string) bool { return true })
	require.NoError(t, err)
	f, err := os.OpenFile(filepath.Join(app, "pkg", "a"), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(" patched")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	rel, err = s.CheckShared(nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("pkg", "a"), rel)
	assert.NoDirExists(t, s.Dir(), "the save is dropped")
}
