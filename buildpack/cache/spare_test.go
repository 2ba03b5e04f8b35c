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
	Spare{Path: spare}.Discard()
	assert.NoDirExists(t, spare)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "the spare is moved aside, then removed")
	Spare{Path: spare}.Discard() // absent: nothing to do
	assert.NoDirExists(t, spare)
}

// TestPartialSpare: a spare built in parts is under its name only once
// committed, replacing the previous one; an abandoned one leaves nothing.
func TestPartialSpare(t *testing.T) {
	dir := t.TempDir()
	spare := filepath.Join(dir, "spare")
	require.NoError(t, os.MkdirAll(filepath.Join(spare, "old"), 0o755))

	p, err := Spare{Path: spare}.Start()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir(), "new"), 0o755))
	assert.DirExists(t, filepath.Join(spare, "old"), "not in place before Commit")
	require.NoError(t, p.Commit())
	assert.DirExists(t, filepath.Join(spare, "new"))
	assert.NoDirExists(t, filepath.Join(spare, "old"))

	p, err = Spare{Path: spare}.Start()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir(), "abandoned"), 0o755))
	p.Abandon()
	assert.DirExists(t, filepath.Join(spare, "new"), "the committed spare stays")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, left, 1, "no temporary directory left")
}

// TestTakeSpare: a spare is taken with one rename, into a directory that
// is created; without one nothing is taken.
func TestTakeSpare(t *testing.T) {
	s := Store{Root: t.TempDir(), Name: "deps"}
	sp := s.Spare("")
	assert.Equal(t, filepath.Join(s.Dir(), "spare"), sp.Path)
	assert.Equal(t, filepath.Join(s.Dir(), "spare-ab12"), s.Spare("ab12").Path)
	dst := filepath.Join(t.TempDir(), "app", "node_modules")
	assert.False(t, sp.Take(dst))
	require.NoError(t, os.MkdirAll(s.Dir(), 0o755))
	require.NoError(t, sp.Build(func(d string) error { writeTree(t, d, map[string]string{"a/index.js": "a"}); return nil }))
	require.True(t, sp.Take(dst))
	assert.FileExists(t, filepath.Join(dst, "a/index.js"))
	assert.NoDirExists(t, sp.Path)
}

// TestPrepareSpareOnlyOnTheAppsFilesystem: a spare is taken by a rename
// into the app, so one that could not be (here in /dev/shm against the
// temporary directory, when they differ) is not built; on the app's
// filesystem it is built in the background, and Jobs waits for it.
func TestPrepareSpareOnlyOnTheAppsFilesystem(t *testing.T) {
	app := t.TempDir()
	var jobs Jobs
	called := false
	shm, err := os.MkdirTemp("/dev/shm", "kiln-test-")
	if err == nil && !SameFilesystem(shm, app) {
		defer os.RemoveAll(shm)
		<-Spare{Path: filepath.Join(shm, "spare")}.Prepare(&jobs, app, func(string) error { called = true; return nil })
		jobs.Wait()
		assert.False(t, called, "a spare that cannot be renamed into the app is not linked")
	} else if err == nil {
		os.RemoveAll(shm)
	}

	sp := Spare{Path: filepath.Join(t.TempDir(), "spare")}
	sp.Prepare(&jobs, app, func(dst string) error { called = true; return os.MkdirAll(dst, 0o755) })
	jobs.Wait()
	assert.True(t, called, "on the app's filesystem the spare is prepared")
	assert.DirExists(t, sp.Path)
	<-(*Jobs)(nil).Go(func() {})
}
