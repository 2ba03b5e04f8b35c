package cache

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

// TestPartialSpare: a spare built in parts is under its name only once
// committed, replacing the previous one; an abandoned one leaves nothing.
func TestPartialSpare(t *testing.T) {
	dir := t.TempDir()
	spare := filepath.Join(dir, "spare")
	require.NoError(t, os.MkdirAll(filepath.Join(spare, "old"), 0o755))

	p, err := StartSpare(spare)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir(), "new"), 0o755))
	assert.DirExists(t, filepath.Join(spare, "old"), "not in place before Commit")
	require.NoError(t, p.Commit())
	assert.DirExists(t, filepath.Join(spare, "new"))
	assert.NoDirExists(t, filepath.Join(spare, "old"))

	p, err = StartSpare(spare)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir(), "abandoned"), 0o755))
	p.Abandon()
	assert.DirExists(t, filepath.Join(spare, "new"), "the committed spare stays")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, left, 1, "no temporary directory left")
}
