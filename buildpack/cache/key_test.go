package cache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileSum(t *testing.T) {
	dir := t.TempDir()
	sum, err := FileSum(filepath.Join(dir, "package-lock.json"))
	require.NoError(t, err)
	assert.Equal(t, Absent, sum)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "composer.lock"), []byte("abc"), 0o644))
	sum, err = FileSum(filepath.Join(dir, "composer.lock"))
	require.NoError(t, err)
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sum)
	_, err = FileSum(dir)
	assert.ErrorContains(t, err, "reading "+filepath.Base(dir))
}

func TestMapChanges(t *testing.T) {
	old := map[string]string{"node": "20.1.0", "npm": "10.0.0", "yarn": "1.22.0", "EMPTY": ""}
	cur := map[string]string{"node": "22.0.0", "npm": "10.0.0", "pnpm": "9.0.0", "NEW_EMPTY": ""}
	assert.Equal(t, []string{"EMPTY v", "NEW_EMPTY v", "node v", "pnpm v", "yarn v"}, MapChanges(old, cur, "", " v"))
	assert.Equal(t, []string{"package.json node"}, MapChanges(map[string]string{"node": "a"}, map[string]string{"node": "b"}, "package.json ", ""))
	assert.Empty(t, MapChanges(cur, cur, "", ""))
	assert.Empty(t, MapChanges(nil, map[string]string{}, "", ""))
}
