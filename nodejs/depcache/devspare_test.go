package depcache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

func TestHoleOf(t *testing.T) {
	ds := &devSpare{holes: map[string]bool{"node_modules/a": true, "node_modules/@s/b": true, "node_modules/p/node_modules/c": true}}
	for rel, want := range map[string]string{
		"node_modules/a":                          "node_modules/a",
		"node_modules/a/lib/x.js":                 "node_modules/a",
		"node_modules/a/node_modules/z":           "node_modules/a",
		"node_modules/ab/index.js":                "",
		"node_modules/@s/b/package.json":          "node_modules/@s/b",
		"node_modules/@s":                         "",
		"node_modules/@s/bb":                      "",
		"node_modules/p/index.js":                 "",
		"node_modules/p/node_modules/c/lib/index": "node_modules/p/node_modules/c",
		"node_modules/.bin/a":                     "",
	} {
		assert.Equal(t, want, ds.holeOf(rel), rel)
	}
}

// backdated sets the modification time of path an hour back after a
// change (err is the change's), as a program hiding it could.
func backdated(path string, err error) error {
	if err != nil {
		return err
	}
	old := time.Now().Add(-time.Hour)
	return os.Chtimes(path, old, old)
}

// TestMarkChanged: what the check of the saved tree listed is looked up in
// the filled holes by change time: a file added or removed in a directory,
// a package.json rewritten in place (its modification time set back, as cp
// -p does) count; package code written in place is the check's business;
// without a complete listing every filled hole counts as changed.
func TestMarkChanged(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(pkg string) error
		changed bool
	}{
		{"nothing", func(string) error { return nil }, false},
		{"code written in place", func(pkg string) error { return os.WriteFile(filepath.Join(pkg, "lib", "index.js"), []byte("x"), 0o644) }, false},
		{"a file added", func(pkg string) error {
			return backdated(filepath.Join(pkg, "lib"), os.WriteFile(filepath.Join(pkg, "lib", "added.js"), nil, 0o644))
		}, true},
		{"a file removed", func(pkg string) error {
			return backdated(filepath.Join(pkg, "lib"), os.Remove(filepath.Join(pkg, "lib", "index.js")))
		}, true},
		{"package.json rewritten, time set back", func(pkg string) error {
			p := filepath.Join(pkg, "package.json")
			return backdated(p, os.WriteFile(p, []byte(`{"edited":1}`), 0o644))
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			part, err := cache.Spare{Path: filepath.Join(tmp, "spare")}.Start()
			require.NoError(t, err)
			pkg := filepath.Join(part.Dir(), "node_modules", "p")
			require.NoError(t, os.MkdirAll(filepath.Join(pkg, "lib"), 0o755))
			for _, f := range []string{"package.json", "lib/index.js"} {
				require.NoError(t, os.WriteFile(filepath.Join(pkg, f), []byte("{}"), 0o644))
			}
			// since falls between the spare and the build's change, more
			// than a tick of the kernel's file clock apart.
			time.Sleep(20 * time.Millisecond)
			since := time.Now()
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, tc.change(pkg))

			spare := func() *devSpare {
				return &devSpare{holes: map[string]bool{"node_modules/p": true}, since: since, part: part,
					filled: map[string]bool{"node_modules/p": true}, changed: map[string]bool{}, listed: make(chan struct{}),
					entries: []string{"node_modules/p", "node_modules/p/lib", "node_modules/p/package.json"}}
			}
			ds := spare()
			ds.endListing(true)
			ds.endListing(false) // the first end counts
			ds.markChanged()
			assert.Equal(t, tc.changed, ds.changed["node_modules/p"])

			ds = spare()
			ds.endListing(false)
			ds.markChanged()
			assert.True(t, ds.changed["node_modules/p"], "no complete listing: changed")
		})
	}
}
