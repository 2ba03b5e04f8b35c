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
	GoldenBytes(t, path, append(b, '\n'), update)
}

// GoldenBytes compares got with the file at path, byte for byte. When update
// is true it rewrites the file instead, for the author to review the diff.
func GoldenBytes(t *testing.T, path string, got []byte, update bool) {
	t.Helper()
	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file %s missing; run go test ./cmd/kiln -run TestFixturePlans -update and review it", path)
	assert.Equal(t, string(want), string(got), "golden file %s differs; rerun with -update and review the diff", path)
}
