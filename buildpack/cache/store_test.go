package cache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testManifest struct {
	Key   string `json:"key"`
	Files int    `json:"files"`
}

// fillWith returns a fill that writes one file with body and records key.
func fillWith(key, body string) func(tree string) (any, int, error) {
	return func(tree string) (any, int, error) {
		if err := os.MkdirAll(filepath.Join(tree, "pkg"), 0o755); err != nil {
			return nil, 0, err
		}
		if err := os.WriteFile(filepath.Join(tree, "pkg", "a"), []byte(body), 0o644); err != nil {
			return nil, 0, err
		}
		return testManifest{Key: key, Files: 1}, 1, nil
	}
}

func readTree(t *testing.T, s Store) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Tree(), "pkg", "a"))
	require.NoError(t, err)
	return string(b)
}

func TestSaveAndLoad(t *testing.T) {
	s := Store{Root: filepath.Join(t.TempDir(), "node"), Name: "deps", Noun: "the saved dependencies"}
	var m testManifest
	require.ErrorIs(t, s.Load(&m), fs.ErrNotExist, "nothing saved yet")

	n, err := s.Save(fillWith("v1", "one"), nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	b, err := os.ReadFile(filepath.Join(s.Root, "deps", "key.json"))
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"key\": \"v1\",\n  \"files\": 1\n}\n", string(b), "the manifest is indented JSON next to the tree")
	require.NoError(t, s.Load(&m))
	assert.Equal(t, testManifest{Key: "v1", Files: 1}, m)
	assert.Equal(t, "one", readTree(t, s))

	_, err = s.Save(fillWith("v2", "two"), nil)
	require.NoError(t, err)
	require.NoError(t, s.Load(&m))
	assert.Equal(t, "v2", m.Key)
	assert.Equal(t, "two", readTree(t, s))

	// A failing fill leaves the previous save as it was, and nothing else.
	failed := errors.New("no space left")
	_, err = s.Save(func(string) (any, int, error) { return nil, 0, failed }, nil)
	require.ErrorIs(t, err, failed)
	require.NoError(t, s.Load(&m))
	assert.Equal(t, "v2", m.Key)
	entries, err := os.ReadDir(s.Root)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "deps", entries[0].Name())
}

// TestSaveKilled interrupts a save at each point where a killed build
// leaves a distinct state, keeping what a kill would leave behind (the
// deferred clean-up does not run in a killed process): the store then
// holds the previous complete save or none, never a mix, and
// the sweep deletes the rest.
func TestSaveKilled(t *testing.T) {
	for _, point := range []string{"staged", "swapped-out"} {
		t.Run(point, func(t *testing.T) {
			s := Store{Root: t.TempDir(), Name: "vendor", Noun: "the saved vendor/"}
			_, err := s.Save(fillWith("v1", "one"), nil)
			require.NoError(t, err)
			killed := errors.New("killed")
			_, err = s.Save(fillWith("v2", "two"), func(p string) error {
				if p != point {
					return nil
				}
				for _, pattern := range []string{".vendor-new-*", ".vendor-old-*"} {
					matches, _ := filepath.Glob(filepath.Join(s.Root, pattern))
					for _, m := range matches {
						require.NoError(t, os.Rename(m, m+"-left"))
					}
				}
				return killed
			})
			require.ErrorIs(t, err, killed)

			var m testManifest
			err = s.Load(&m)
			if point == "staged" {
				require.NoError(t, err, "the previous save is intact")
				assert.Equal(t, "v1", m.Key)
				assert.Equal(t, "one", readTree(t, s))
			} else {
				assert.ErrorIs(t, err, fs.ErrNotExist, "no cache rather than a half one")
			}
			left, _ := filepath.Glob(filepath.Join(s.Root, ".vendor-*"))
			assert.NotEmpty(t, left)
			s.sweep()
			left, _ = filepath.Glob(filepath.Join(s.Root, ".vendor-*"))
			assert.Empty(t, left, "leftovers of the killed save are removed")

			_, err = s.Save(fillWith("v3", "three"), nil)
			require.NoError(t, err)
			require.NoError(t, s.Load(&m))
			assert.Equal(t, "v3", m.Key)
		})
	}
}

func TestLoadDamaged(t *testing.T) {
	s := Store{Root: t.TempDir(), Name: "deps"}
	_, err := s.Save(fillWith("v1", "one"), nil)
	require.NoError(t, err)
	var m testManifest

	require.NoError(t, os.WriteFile(filepath.Join(s.Dir(), "key.json"), []byte("{not json"), 0o644))
	err = s.Load(&m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "key.json: ")
	assert.NotErrorIs(t, err, fs.ErrNotExist)

	require.NoError(t, os.Remove(filepath.Join(s.Dir(), "key.json")))
	err = s.Load(&m)
	require.ErrorIs(t, err, ErrNoManifest)
	assert.NotErrorIs(t, err, fs.ErrNotExist, "a tree without its key is damage, not an empty cache")
	assert.EqualError(t, err, "the saved tree has no key.json")
}

// TestDrop: the saved directory goes at once; an entry moved into it after
// the drop has nowhere to go, and nothing is left next to it.
func TestDrop(t *testing.T) {
	s := Store{Root: t.TempDir(), Name: "deps", Noun: "the saved dependencies"}
	_, err := s.Save(fillWith("k", "body"), nil)
	require.NoError(t, err)
	inside := filepath.Join(s.Dir(), "spare-in-progress")
	require.NoError(t, os.Mkdir(inside, 0o755))

	require.NoError(t, s.Drop())
	assert.NoDirExists(t, s.Dir())
	moved := filepath.Join(t.TempDir(), "pkg")
	require.NoError(t, os.Mkdir(moved, 0o755))
	assert.Error(t, os.Rename(moved, filepath.Join(inside, "pkg")), "the dropped directory is unreachable by its name")
	left, err := os.ReadDir(s.Root)
	require.NoError(t, err)
	assert.Empty(t, left)
	require.NoError(t, s.Drop(), "nothing to drop")
}

// TestOpen: nothing saved is a miss without changes; a saved key that
// differs is a miss naming the changes; a manifest that cannot be read, or
// a tree its check rejects, is damage; else a hit.
func TestOpen(t *testing.T) {
	s := Store{Root: t.TempDir(), Name: "deps"}
	want := "v2"
	var m testManifest
	compare := func() ([]string, error) {
		if m.Files != 1 {
			return nil, errors.New("the tree is short")
		}
		if m.Key != want {
			return []string{"key"}, nil
		}
		return nil, nil
	}
	assert.Equal(t, Result{Status: Miss}, s.Open(&m, compare))

	_, err := s.Save(fillWith("v1", "one"), nil)
	require.NoError(t, err)
	assert.Equal(t, Result{Status: Miss, Changed: []string{"key"}}, s.Open(&m, compare))
	want = "v1"
	assert.Equal(t, Result{Status: Hit}, s.Open(&m, compare))

	_, err = s.Save(func(string) (any, int, error) { return testManifest{Key: "v1"}, 0, nil }, nil)
	require.NoError(t, err)
	r := s.Open(&m, compare)
	assert.Equal(t, Damaged, r.Status)
	assert.EqualError(t, r.Err, "the tree is short")

	require.NoError(t, os.Remove(filepath.Join(s.Dir(), ManifestFile)))
	r = s.Open(&m, compare)
	assert.Equal(t, Damaged, r.Status)
	assert.ErrorIs(t, r.Err, ErrNoManifest)
}

// TestCloneFollowsThePolicy: a store's Clone links, copies and leaves out
// what its rules say, for the whole tree or a part of it (the rules see
// paths relative to the tree).
func TestCloneFollowsThePolicy(t *testing.T) {
	s := Store{Root: t.TempDir(), Name: "x",
		copy:  func(rel string) bool { return strings.HasSuffix(rel, ".json") },
		leave: func(rel string) bool { return rel == "part/kiln" }}
	src := t.TempDir()
	writeTree(t, src, map[string]string{"part/code.js": "c", "part/meta.json": "m", "part/kiln/bin": "k", "other/x": "x"})

	dst := filepath.Join(t.TempDir(), "tree")
	n, err := s.Clone(src, dst, "", func(rel string) bool { return rel == "other" })
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, inode(t, filepath.Join(src, "part/code.js")), inode(t, filepath.Join(dst, "part/code.js")), "linked")
	assert.NotEqual(t, inode(t, filepath.Join(src, "part/meta.json")), inode(t, filepath.Join(dst, "part/meta.json")), "copied")
	assert.NoDirExists(t, filepath.Join(dst, "part/kiln"), "never held")
	assert.NoDirExists(t, filepath.Join(dst, "other"), "skipped")

	part := filepath.Join(t.TempDir(), "part")
	n, err = s.Clone(filepath.Join(src, "part"), part, "part", nil)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.NoDirExists(t, filepath.Join(part, "kiln"), "the rules see the path in the tree")
	assert.NotEqual(t, inode(t, filepath.Join(src, "part/meta.json")), inode(t, filepath.Join(part, "meta.json")))
}

func TestTouchRecordsUseNotSave(t *testing.T) {
	s := Store{Root: t.TempDir(), Name: "node-24.18.0", Noun: "the unpacked node-24.18.0"}
	_, err := s.Save(fillWith("v1", "one"), nil)
	require.NoError(t, err)
	old := time.Now().Add(-72 * time.Hour)
	require.NoError(t, os.Chtimes(s.Dir(), old, old))
	require.NoError(t, os.Chtimes(filepath.Join(s.Dir(), ManifestFile), old, old))
	s.Touch()
	fi, err := os.Stat(s.Dir())
	require.NoError(t, err)
	assert.True(t, fi.ModTime().After(old.Add(time.Hour)), "the entry's directory records the use")
	saved, err := s.SavedAt()
	require.NoError(t, err)
	assert.True(t, saved.Equal(old), "the save time (the manifest's) is kept")
	Store{Root: t.TempDir(), Name: "absent"}.Touch() // no entry: nothing happens
}
