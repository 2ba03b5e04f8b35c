package nodejs

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// pruneLock is package prune's test lockfile: dev packages at the top,
// scoped, nested in a dev package (which goes with it) and nested in a
// production package, one not installed here, and one whose key tries to
// leave node_modules.
func pruneLock(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("prune", "testdata", "dev-lock.json"))
	require.NoError(t, err)
	return b
}

func TestNpmrcSets(t *testing.T) {
	assert.True(t, npmrcSets("registry=https://r.example/\n include = dev\n", "include", "also"))
	assert.True(t, npmrcSets("include[]=dev", "include", "also"))
	assert.False(t, npmrcSets("omit=optional\n; include=dev\n# include=dev\n", "include", "also"))
}

func TestDevPrunable(t *testing.T) {
	app := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), pruneLock(t), 0o644))
	npm := pmChoice{name: "npm", lockfile: "package-lock.json"}

	assert.True(t, devPrunable(app, npm, buildpack.Env{}))
	how := (&settings{Lockfile: npm.lockfile, PruneFirst: true}).encode()[setPruneFirst]
	assert.Contains(t, how, "package-lock.json")

	assert.False(t, devPrunable(app, npm, buildpack.Env{"npm_config_include": "dev"}), "include=dev keeps devDependencies: npm decides")
	assert.False(t, devPrunable(app, pmChoice{name: "pnpm", lockfile: "pnpm-lock.yaml"}, buildpack.Env{}))

	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte("include=dev\n"), 0o644))
	assert.False(t, devPrunable(app, npm, buildpack.Env{}))
	require.NoError(t, os.Remove(filepath.Join(app, ".npmrc")))

	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(`{"lockfileVersion":1,"dependencies":{}}`), 0o644))
	assert.False(t, devPrunable(app, npm, buildpack.Env{}), "a v1 lockfile has no packages section")
}

// pruneApp lays out node_modules as npm ci would for pruneLock, with the
// bin links npm makes, and a file outside the app that the escaping key
// names.
func pruneApp(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	app := filepath.Join(root, "app")
	files := []string{
		"node_modules/express/package.json",
		"node_modules/express/node_modules/ms/package.json",
		"node_modules/mkdirp/package.json",
		"node_modules/mkdirp/bin/cmd.js",
		"node_modules/mkdirp/node_modules/minimist/package.json",
		"node_modules/@types/ms/package.json",
		"node_modules/@types/kept/package.json",
		"node_modules/@types/kept/bin/kept.js",
	}
	for _, f := range files {
		p := filepath.Join(app, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("{}"), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), pruneLock(t), 0o644))
	bin := filepath.Join(app, "node_modules", ".bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.Symlink("../mkdirp/bin/cmd.js", filepath.Join(bin, "mkdirp")))
	require.NoError(t, os.Symlink("../@types/kept/bin/kept.js", filepath.Join(bin, "kept")))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "plain-file"), nil, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "escape"), 0o755))
	return app
}

func TestMoveDevPackagesToTheDiscardDirectory(t *testing.T) {
	app := pruneApp(t)
	discard := filepath.Join(filepath.Dir(app), "discard")
	require.NoError(t, os.Mkdir(discard, 0o700))
	c := &compiler{ctx: &buildpack.Context{AppDir: app, DiscardDir: discard}, set: settings{Lockfile: "package-lock.json"}}

	lock, err := os.ReadFile(filepath.Join(app, "package-lock.json"))
	require.NoError(t, err)
	m, err := c.moveDevPackages(lock)
	require.NoError(t, err)
	assert.Equal(t, 3, m.count, "ms under express, mkdirp (minimist with it), @types/ms; darwin-arm64 is not installed")
	assert.Equal(t, discard, filepath.Dir(m.dir))
	for _, gone := range []string{"node_modules/mkdirp", "node_modules/@types/ms", "node_modules/express/node_modules/ms", "node_modules/.bin/mkdirp"} {
		assert.NoFileExists(t, filepath.Join(app, gone))
		assert.NoDirExists(t, filepath.Join(app, gone))
	}
	for _, kept := range []string{"node_modules/express/package.json", "node_modules/@types/kept/package.json", "node_modules/.bin/kept", "node_modules/.bin/plain-file"} {
		assert.FileExists(t, filepath.Join(app, kept))
	}
	assert.DirExists(t, filepath.Join(app, "node_modules", "@types"), "npm prune leaves scope directories too")
	assert.DirExists(t, filepath.Join(filepath.Dir(app), "escape"), "a key leaving node_modules is never followed")
	moved, err := os.ReadDir(m.dir)
	require.NoError(t, err)
	assert.Len(t, moved, 3)
	assert.FileExists(t, filepath.Join(m.dir, "0", "package.json"))
}

// TestPruneNPMWithoutDiscardDirectory: the classic compile has no discard
// directory; the packages are moved into the app and removed while npm
// prune runs, so nothing is left in the slug.
func TestPruneNPMWithoutDiscardDirectory(t *testing.T) {
	app := pruneApp(t)
	var out bytes.Buffer
	rec := &buildpacktest.RecordingRunner{}
	ctx := &buildpack.Context{AppDir: app, Log: buildpack.NewLogger(&out, nil), Runner: rec}
	c := &compiler{ctx: ctx, env: buildpack.Env{}, log: ctx.Log, set: settings{Lockfile: "package-lock.json", PruneFirst: true}}
	step := buildpack.Step{Name: stepPrune, Command: []string{"npm", "prune", "--omit=dev"}}

	require.NoError(t, c.step(step))
	assert.Contains(t, out.String(), "Moved the 3 devDependencies of package-lock.json out of node_modules")
	assert.Equal(t, [][]string{{"npm", "prune", "--omit=dev"}}, rec.Commands())
	entries, err := os.ReadDir(app)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"node_modules", "package-lock.json"}, names, "no moved packages left in the app")
	assert.NoDirExists(t, filepath.Join(app, "node_modules", "mkdirp"))
}

// TestPruneNPMFallsBackToNpm: a lockfile the build turned into a workspace
// is left to npm prune, with a warning.
func TestPruneNPMFallsBackToNpm(t *testing.T) {
	app := pruneApp(t)
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(`{"lockfileVersion":3,"packages":{"":{},"node_modules/w":{"link":true,"resolved":"w"},"w":{}}}`), 0o644))
	var out bytes.Buffer
	rec := &buildpacktest.RecordingRunner{}
	ctx := &buildpack.Context{AppDir: app, Log: buildpack.NewLogger(&out, nil), Runner: rec}
	c := &compiler{ctx: ctx, env: buildpack.Env{}, log: ctx.Log, set: settings{Lockfile: "package-lock.json", PruneFirst: true}}

	require.NoError(t, c.step(buildpack.Step{Name: stepPrune, Command: []string{"npm", "prune", "--omit=dev"}}))
	assert.Contains(t, out.String(), "npm prune removes them")
	assert.Len(t, rec.Commands(), 1)
	assert.DirExists(t, filepath.Join(app, "node_modules", "mkdirp"), "left to npm")
}
