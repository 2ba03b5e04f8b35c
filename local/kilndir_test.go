package local

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKilnDirIsIgnoredByGit(t *testing.T) {
	app := t.TempDir()
	require.NoError(t, makeKilnDir(app))
	b, err := os.ReadFile(filepath.Join(app, ".kiln", ".gitignore"))
	require.NoError(t, err)
	assert.Equal(t, "*\n", string(b))

	// An existing .kiln is the user's: its .gitignore is not rewritten.
	require.NoError(t, os.WriteFile(filepath.Join(app, ".kiln", ".gitignore"), []byte("slug\n"), 0o644))
	require.NoError(t, makeKilnDir(app))
	b, err = os.ReadFile(filepath.Join(app, ".kiln", ".gitignore"))
	require.NoError(t, err)
	assert.Equal(t, "slug\n", string(b))
}
