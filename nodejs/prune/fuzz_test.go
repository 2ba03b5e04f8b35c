package prune

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLockfileReaders feeds arbitrary lockfiles to the readers of kiln's
// npm pruning: the directories DevDirs lists (and kiln moves away) are
// always under node_modules/, clean and without "..", and the hidden
// lockfile HiddenLockfile writes back is JSON when its input was.
func FuzzLockfileReaders(f *testing.F) {
	lock, err := os.ReadFile(filepath.Join("testdata", "dev-lock.json"))
	require.NoError(f, err)
	f.Add(lock)
	f.Add([]byte(`{"packages":{"node_modules/../../etc":{"dev":true},"node_modules/a/../..":{"dev":true},"node_modules//x":{"dev":true}}}`))
	f.Fuzz(func(t *testing.T, lock []byte) {
		_ = PlainTree(lock)
		dirs := DevDirs(lock)
		for _, d := range dirs {
			require.True(t, strings.HasPrefix(d, "node_modules/"), "%q", d)
			require.Equal(t, path.Clean(d), d)
			require.NotContains(t, strings.Split(d, "/"), "..", "%q", d)
			require.True(t, filepath.IsLocal(d), "%q", d)
		}
		out, why := HiddenLockfile(lock, dirs, nil)
		if why == "" && json.Valid(lock) {
			require.True(t, json.Valid(out), "HiddenLockfile wrote invalid JSON:\n%s", out)
		}
	})
}
