package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/classic"
	"github.com/kiln-dev/kiln/nodejs"
	"github.com/kiln-dev/kiln/stacks"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}

func TestReplaceDirHandsThePreviousSlugToDiscard(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, ".kiln", "slug")
	first, second := filepath.Join(root, "b1"), filepath.Join(root, "b2")
	writeFile(t, filepath.Join(first, "v"), "one")
	writeFile(t, filepath.Join(second, "v"), "two")

	var discarded []string
	record := func(dir string) error { discarded = append(discarded, dir); return nil }
	require.NoError(t, replaceDir(first, dst, record))
	assert.Empty(t, discarded, "nothing to replace on the first build")
	require.NoError(t, replaceDir(second, dst, record))

	b, err := os.ReadFile(filepath.Join(dst, "v"))
	require.NoError(t, err)
	assert.Equal(t, "two", string(b))
	require.Len(t, discarded, 1)
	assert.True(t, strings.HasPrefix(filepath.Base(discarded[0]), trashPrefix), discarded[0])
	assert.Equal(t, filepath.Dir(dst), filepath.Dir(discarded[0]), "the trash sits next to the slug (one rename)")
	old, err := os.ReadFile(filepath.Join(discarded[0], "v"))
	require.NoError(t, err)
	assert.Equal(t, "one", string(old), "the previous slug moved whole")

	// The next build sweeps what a discard left behind.
	sweepTrash(dst)()
	assert.NoDirExists(t, discarded[0])
	assert.DirExists(t, dst)
}

func TestReplaceDirRemovesInTheForegroundWhenDiscardFails(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "slug")
	writeFile(t, filepath.Join(root, "b1", "v"), "one")
	writeFile(t, filepath.Join(root, "b2", "v"), "two")
	fail := func(string) error { return os.ErrPermission }
	require.NoError(t, replaceDir(filepath.Join(root, "b1"), dst, fail))
	require.NoError(t, replaceDir(filepath.Join(root, "b2"), dst, fail))
	left, err := filepath.Glob(filepath.Join(root, trashPrefix+"*"))
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestRemoveTrashRefusesOtherDirectories(t *testing.T) {
	root := t.TempDir()
	keep := filepath.Join(root, "app")
	writeFile(t, filepath.Join(keep, "f"), "x")
	assert.Error(t, RemoveTrash(keep))
	assert.DirExists(t, keep)
	trash := filepath.Join(root, trashPrefix+"123")
	writeFile(t, filepath.Join(trash, "f"), "x")
	require.NoError(t, RemoveTrash(trash))
	assert.NoDirExists(t, trash)
}

// TestDiscardWork: a work directory whose discard directory holds what a
// buildpack pruned is moved to the trash and handed to discard; an empty
// one is left to the caller.
func TestDiscardWork(t *testing.T) {
	root := t.TempDir()
	work := filepath.Join(root, ".slug.build-1")
	discardDir := filepath.Join(work, "discard")
	require.NoError(t, os.MkdirAll(discardDir, 0o700))

	var discarded []string
	record := func(dir string) error { discarded = append(discarded, dir); return nil }
	assert.False(t, discardWork(work, discardDir, record), "nothing to discard")
	assert.Empty(t, discarded)
	assert.DirExists(t, work)

	writeFile(t, filepath.Join(discardDir, "devDependencies-1", "0", "package.json"), "{}")
	assert.True(t, discardWork(work, discardDir, record))
	require.Len(t, discarded, 1)
	assert.True(t, strings.HasPrefix(filepath.Base(discarded[0]), trashPrefix), discarded[0])
	assert.Equal(t, root, filepath.Dir(discarded[0]))
	assert.NoDirExists(t, work)
	assert.FileExists(t, filepath.Join(discarded[0], "discard", "devDependencies-1", "0", "package.json"))

	// A discard that fails removes in the foreground.
	require.NoError(t, os.MkdirAll(filepath.Join(discardDir, "x"), 0o700))
	assert.True(t, discardWork(work, discardDir, func(string) error { return os.ErrPermission }))
	left, err := filepath.Glob(filepath.Join(root, trashPrefix+"*"))
	require.NoError(t, err)
	assert.Equal(t, discarded, left, "only the first, recorded one is left")
}

// TestThrowAwayCacheIsDiscarded: --no-cache's cache goes to the discarder
// (a detached process in the CLI) once the build is over.
func TestThrowAwayCacheIsDiscarded(t *testing.T) {
	var discarded []string
	record := func(dir string) error { discarded = append(discarded, dir); return nil }
	d, cleanup, err := chooseCache(t.TempDir(), BuildOptions{NoCache: true, Discard: record})
	require.NoError(t, err)
	writeFile(t, filepath.Join(d, "node", "npm-cache", "index"), "x")
	cleanup()
	require.Len(t, discarded, 1)
	defer os.RemoveAll(discarded[0])
	assert.NoDirExists(t, d)
	assert.True(t, strings.HasPrefix(filepath.Base(discarded[0]), trashPrefix), discarded[0])
	assert.FileExists(t, filepath.Join(discarded[0], "node", "npm-cache", "index"))
	assert.NoError(t, RemoveTrash(discarded[0]), "the hidden command accepts it")
}

// TestExchangeDirs checks the one-step swap that keeps a slug at its
// place at every moment of a rebuild.
func TestExchangeDirs(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	writeFile(t, filepath.Join(a, "v"), "new")
	writeFile(t, filepath.Join(b, "v"), "old")
	require.NoError(t, exchangeDirs(a, b))
	for dir, want := range map[string]string{a: "old", b: "new"} {
		got, err := os.ReadFile(filepath.Join(dir, "v"))
		require.NoError(t, err)
		assert.Equal(t, want, string(got), dir)
	}
}

// TestKilledBuildLeftoversAreRemoved: what a build killed at any moment
// leaves next to its output and its cache (a half-written slug or tarball,
// a work directory, a staged or replaced slug) is removed by the next
// build of that output, even one that then fails.
func TestKilledBuildLeftoversAreRemoved(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "app")
	require.NoError(t, os.MkdirAll(app, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"a","engines":{"node":"24.x","npm":"banana"}}`), 0o644))
	leftovers := []string{".out.part-123", ".out.build-456/app/x", ".kiln-trash-789/slug/x", "cache.build-1/x", ".slug.tgz.part-2"}
	for _, l := range leftovers {
		p := filepath.Join(root, l)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("left by kill -9"), 0o644))
	}
	engine := func() *classic.Engine {
		return &classic.Engine{Buildpacks: []buildpack.Buildpack{nodejs.Buildpack{}}, Env: buildpack.Env{"STACK": stacks.DefaultName}}
	}
	_, err := Build(BuildOptions{AppDir: app, CacheDir: filepath.Join(root, "cache"), Output: filepath.Join(root, "out"), Engine: engine()})
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, `engines.npm is "banana"`)
	_, err = Build(BuildOptions{AppDir: app, CacheDir: filepath.Join(root, "cache"), Tar: filepath.Join(root, "slug.tgz"), Engine: engine()})
	require.Error(t, err)
	for _, l := range leftovers {
		assert.NoFileExists(t, filepath.Join(root, l), "left by a killed build")
		assert.NoDirExists(t, filepath.Join(root, strings.SplitN(l, "/", 2)[0]), "left by a killed build")
	}
}
