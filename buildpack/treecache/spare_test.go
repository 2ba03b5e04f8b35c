package treecache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiscardSpareNeverLeavesAPartialSpare(t *testing.T) {
	dir := t.TempDir()
	spare := filepath.Join(dir, "spare")
	require.NoError(t, os.MkdirAll(filepath.Join(spare, "node_modules", "a"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(spare, "node_modules", "a", "index.js"), []byte("x"), 0o644))
	DiscardSpare(spare)
	assert.NoDirExists(t, spare)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "the spare is moved aside, then removed")
	DiscardSpare(spare) // absent: nothing to do
	assert.NoDirExists(t, spare)
}
