package nodejs

import (
	"crypto/sha512"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/prefetch"
)

// TestTrimNPMCache: after an install, npm's cache keeps the archives the
// lockfile names and nothing else: not those of an earlier lockfile, not
// npm's logs; its index stays.
func TestTrimNPMCache(t *testing.T) {
	cache := t.TempDir()
	sri := func(content string) string {
		d := sha512.Sum512([]byte(content))
		return "sha512-" + base64.StdEncoding.EncodeToString(d[:])
	}
	put := func(content string) string {
		sum, err := fetch.SRI(sri(content))
		require.NoError(t, err)
		p := prefetch.CachePath(cache, sum)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	a, b, old := put("package a"), put("package b"), put("package of an older lockfile")
	for _, p := range []string{"_cacache/index-v5/00/11/x", "_logs/2026-12-03-debug-0.log", "_cacache/tmp/x"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(cache, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(cache, p), []byte("x"), 0o644))
	}
	lock := []byte(`{"lockfileVersion": 3, "packages": {"": {"name": "app"},
		"node_modules/a": {"version": "1.0.0", "integrity": "` + sri("package a") + `"},
		"node_modules/b": {"version": "1.0.0", "integrity": "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA= ` + sri("package b") + `"},
		"node_modules/linked": {"link": true}}}`)

	n, size := trimNPMCache(cache, lock)
	assert.Equal(t, 1, n)
	assert.Equal(t, int64(len("package of an older lockfile")), size)
	assert.FileExists(t, a)
	assert.FileExists(t, b)
	assert.NoFileExists(t, old)
	for _, p := range []string{"_logs", "_cacache/tmp"} {
		assert.NoDirExists(t, filepath.Join(cache, p))
	}
	assert.FileExists(t, filepath.Join(cache, "_cacache/index-v5/00/11/x"))

	// A lockfile without integrity (an old or a hand-made one) says
	// nothing of what npm installed: the cache stays.
	again := put("package of an older lockfile")
	n, _ = trimNPMCache(cache, []byte(`{"packages": {"node_modules/a": {"version": "1.0.0"}}}`))
	assert.Zero(t, n)
	assert.FileExists(t, again)
}
