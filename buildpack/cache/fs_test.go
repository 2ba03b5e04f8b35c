package cache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSameFilesystem(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	assert.True(t, SameFilesystem(a, b))
	assert.False(t, SameFilesystem(a, filepath.Join(b, "missing")))
	if _, err := os.Stat("/proc/self"); err == nil {
		assert.False(t, SameFilesystem(a, "/proc/self"), "procfs is never the temporary directory's filesystem")
	}
}
