package prune

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// devLock reads testdata/dev-lock.json, a lockfile with dev packages at
// the top, scoped, nested in a dev package (which goes with it) and nested
// in a production package, one not installed here, and one whose key tries
// to leave node_modules. Package nodejs's tests use it too.
func devLock(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "dev-lock.json"))
	require.NoError(t, err)
	return b
}

func TestDevDirs(t *testing.T) {
	assert.Equal(t, []string{
		"node_modules/@esbuild/darwin-arm64",
		"node_modules/@types/ms",
		"node_modules/express/node_modules/ms",
		"node_modules/mkdirp",
	}, DevDirs(devLock(t)))
}

func TestPlainTree(t *testing.T) {
	assert.True(t, PlainTree(devLock(t)))
	assert.False(t, PlainTree([]byte(`{"packages":{"":{},"packages/a":{"version":"1.0.0"},"node_modules/a":{"link":true,"resolved":"packages/a"}}}`)))
	assert.False(t, PlainTree([]byte(`{"packages":{"":{},"node_modules/local":{"link":true,"resolved":"../local"}}}`)))
}
