package buildpacktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Golden compares got, as indented JSON, with the file at path. When update
// is true it rewrites the file instead.
func Golden(t *testing.T, path string, got any, update bool) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	b = append(b, '\n')
	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing; run go test ./... -update")
	assert.Equal(t, string(want), string(b), "golden file %s differs; rerun with -update and review the diff", path)
}
