package local

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/classic"
	"github.com/kiln-dev/kiln/nodejs"
	"github.com/kiln-dev/kiln/stacks"
)

func TestCopyAppHonoursSlugignore(t *testing.T) {
	app := t.TempDir()
	files := map[string]string{
		"package.json":           "{}",
		"server.js":              "",
		".slugignore":            "# comment\n*.psd\n/docs\ntest/fixtures/\ntmp/\n!keep.psd\n",
		"art/logo.psd":           "",
		"docs/guide.md":          "",
		"lib/docs/inner.md":      "",
		"test/fixtures/a.json":   "",
		"test/unit.js":           "",
		"tmp":                    "a file named tmp is kept: tmp/ only matches directories",
		".git/HEAD":              "",
		".kiln/slug/old":         "",
		"node_modules/.bin/keep": "",
	}
	for name, body := range files {
		p := filepath.Join(app, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	require.NoError(t, os.Symlink("server.js", filepath.Join(app, "link.js")))

	dest := filepath.Join(t.TempDir(), "build")
	require.NoError(t, copyApp(app, dest, ""))

	for _, kept := range []string{"package.json", "server.js", ".slugignore", "lib/docs/inner.md", "test/unit.js", "tmp", "node_modules/.bin/keep"} {
		assert.FileExists(t, filepath.Join(dest, kept))
	}
	for _, gone := range []string{"art/logo.psd", "docs", "test/fixtures", ".git", ".kiln"} {
		assert.NoFileExists(t, filepath.Join(dest, gone))
		assert.NoDirExists(t, filepath.Join(dest, gone))
	}
	link, err := os.Readlink(filepath.Join(dest, "link.js"))
	require.NoError(t, err)
	assert.Equal(t, "server.js", link, "symlinks are copied as links")
}

func TestReadProcfile(t *testing.T) {
	dir := t.TempDir()
	procs, err := readProcfile(dir)
	require.NoError(t, err)
	assert.Nil(t, procs)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: node server.js -p $PORT\n# comment\nworker:node worker.js\n\nbad line\n"), 0o644))
	procs, err = readProcfile(dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"web": "node server.js -p $PORT", "worker": "node worker.js"}, procs)
}

// TestSlugignoreOfEverythingIsNamed: a .slugignore that leaves out what the
// app is detected by fails with the user's .slugignore named, not the
// build's internal copy, and nothing around the app changes.
func TestSlugignoreOfEverythingIsNamed(t *testing.T) {
	root, app := targetWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(app, ".slugignore"), []byte("*\n"), 0o644))
	cache := filepath.Join(t.TempDir(), "cache")
	before := treeHash(t, root)
	_, err := Build(BuildOptions{AppDir: app, CacheDir: cache,
		Engine: &classic.Engine{Buildpacks: []buildpack.Buildpack{nodejs.Buildpack{}}, Env: buildpack.Env{"STACK": stacks.DefaultName}}})
	var ue *buildpack.UserError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, filepath.Join(app, ".slugignore")+" leaves out the files kiln detected the app by", ue.Msg)
	assert.NotContains(t, ue.Error(), ".build-")
	// Only kiln's own directory, where the slug goes, may be new.
	require.NoError(t, os.RemoveAll(filepath.Join(app, ".kiln")))
	assert.Equal(t, before, treeHash(t, root), "nothing around the app changed")
}
