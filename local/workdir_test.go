package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
}

func TestWorkDirIsNextToTheSlug(t *testing.T) {
	root := t.TempDir()
	app, cache := filepath.Join(root, "app"), filepath.Join(root, "caches", "app-1234")
	killed := filepath.Join(app, ".kiln", ".slug.build-999")
	mkdirs(t, app, cache, filepath.Join(killed, "app"))

	work, err := makeWorkDir(app, app, cache, BuildOptions{})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(app, ".kiln"), filepath.Dir(work), "next to APP/.kiln/slug: the slug is placed by one rename")
	assert.True(t, strings.HasPrefix(filepath.Base(work), ".slug.build-"), work)
	assert.NoDirExists(t, killed, "a killed build's directory is removed")

	out := filepath.Join(root, "out", "slug")
	work, err = makeWorkDir(app, app, cache, BuildOptions{Output: out})
	require.NoError(t, err)
	assert.Equal(t, filepath.Dir(out), filepath.Dir(work))
}

func TestWorkDirIsNextToTheCacheForATarball(t *testing.T) {
	root := t.TempDir()
	app, cache := filepath.Join(root, "app"), filepath.Join(root, "caches", "app-1234")
	killed := filepath.Join(root, "caches", "app-1234.build-999")
	other := filepath.Join(root, "caches", "other-app.build-1")
	mkdirs(t, app, cache, killed, other)

	work, err := makeWorkDir(app, app, cache, BuildOptions{Tar: filepath.Join(root, "slug.tgz")})
	require.NoError(t, err)
	assert.Equal(t, filepath.Dir(cache), filepath.Dir(work), "same filesystem as the cache: links and renames work")
	assert.True(t, strings.HasPrefix(filepath.Base(work), "app-1234.build-"), work)
	assert.NoDirExists(t, killed, "a killed build's directory is removed")
	assert.DirExists(t, other, "another app's build is left alone")
}

func TestWorkDirNeverInsideTheAppOutsideDotKiln(t *testing.T) {
	app := t.TempDir()
	cache := filepath.Join(app, ".cache")
	mkdirs(t, cache)
	work, err := makeWorkDir(app, app, cache, BuildOptions{Output: filepath.Join(app, "slug")})
	require.NoError(t, err)
	defer os.RemoveAll(work)
	rel, err := filepath.Rel(app, work)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(rel, ".."), "the copy of the app must not be inside the app: %s", work)
}

func TestWorkDirIsNextToTheCacheWhenTheSlugGoesToAnotherFilesystem(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "kiln-test-")
	if err != nil {
		t.Skipf("no /dev/shm here: %v", err)
	}
	defer os.RemoveAll(shm)
	root := t.TempDir()
	if cache.SameFilesystem(shm, root) {
		t.Skipf("/dev/shm and %s are one filesystem here", root)
	}
	app, cache := filepath.Join(root, "app"), filepath.Join(root, "caches", "app-1234")
	mkdirs(t, app, cache)
	work, err := makeWorkDir(app, app, cache, BuildOptions{Output: filepath.Join(shm, "slug")})
	require.NoError(t, err)
	assert.Equal(t, filepath.Dir(cache), filepath.Dir(work), "placing from the cache must stay cheap")
}
