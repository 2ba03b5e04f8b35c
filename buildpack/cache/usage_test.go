package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMeasure: the cache's size by parts, a hard-linked file counted once.
func TestMeasure(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"downloads/sha256-ab":                      strings.Repeat("a", 300_000),
		"node/deps/tree/node_modules/x/index.js":   strings.Repeat("x", 150_000),
		"node/npm-cache/_cacache/content-v2/ab/cd": strings.Repeat("n", 20_000),
		"runtimes/node-24.18.0.json":               "{}",
	})
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "node/deps/spare/node_modules/x"), 0o755))
	require.NoError(t, os.Link(filepath.Join(dir, "node/deps/tree/node_modules/x/index.js"), filepath.Join(dir, "node/deps/spare/node_modules/x/index.js")))

	u, err := Measure(dir)
	require.NoError(t, err)
	assert.Equal(t, int64(300_000+150_000+20_000+2), u.Bytes)
	assert.Equal(t, []Part{{"downloads", 300_000}, {"node/deps", 150_000}, {"node/npm-cache", 20_000}, {"runtimes", 2}}, u.Parts)
	assert.Equal(t, "0.5 MB: downloads 0.3, node/deps 0.1", u.String())

	// A store that records the size of its tree is not walked.
	writeTree(t, dir, map[string]string{"php/vendor/key.json": `{"bytes": 2000000}`, "php/vendor/tree/a.php": "<?php"})
	u, err = Measure(dir)
	require.NoError(t, err)
	assert.Equal(t, Part{"php/vendor", 2_000_000 + int64(len(`{"bytes": 2000000}`))}, u.Parts[0])

	_, err = Measure(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}
