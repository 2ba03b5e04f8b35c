package php

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	cp "github.com/otiai10/copy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestHardeningDamagedCachedVendorIsDropped: the slug of a build shares its
// vendor/ package files with the saved vendor/ (hard links). Emptying one
// through the slug damages the cache; the next build must see it, drop the
// saved tree with a line, install afresh and serve the whole file, and the
// build after it restore again.
func TestHardeningDamagedCachedVendorIsDropped(t *testing.T) {
	requireHostRuntime(t)
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, cp.Copy(filepath.Join("..", "fixtures", "php-e2e-composer"), src))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "expected")))
	cache := t.TempDir()
	const lib = "vendor/kiln-test/greeter/src/Greeter.php"

	first, out, _, _ := buildCopy(t, src, cache, nil)
	require.Contains(t, out, "Saved vendor/")
	saved, err := os.Stat(filepath.Join(cache, "php/vendor/tree", "kiln-test/greeter/src/Greeter.php"))
	require.NoError(t, err)
	slugs, err := os.Stat(filepath.Join(first, lib))
	require.NoError(t, err)
	require.True(t, os.SameFile(saved, slugs), "the slug shares the file with the cache")
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, os.WriteFile(filepath.Join(first, lib), nil, 0o644), "damage the cache through the slug")

	second, out, rep, _ := buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "The cached vendor/ was damaged after it was saved ("+lib+" was changed after it was saved): it is dropped, and Composer installs afresh.")
	assert.NotContains(t, out, "restored vendor/")
	assert.Contains(t, out, "Saved vendor/")
	assert.Contains(t, rep.CacheMisses, "vendor")
	b, err := os.ReadFile(filepath.Join(second, lib))
	require.NoError(t, err)
	assert.Contains(t, string(b), "class Greeter", "the library is whole again")
	boot := bootApp(t, second, buildpack.Env{"WEB_CONCURRENCY": "1"})
	code, body := boot.get(t, "/")
	boot.stop(t)
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, "from the greeter library")

	_, out, _, _ = buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "Dependencies unchanged since the cached build: restored vendor/")
	assert.NotContains(t, out, "damaged")
}
