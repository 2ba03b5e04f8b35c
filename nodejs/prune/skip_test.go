package prune

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// skipLock is a lockfile after the devDependencies left: express with a
// nested ms, a scoped package, and an optional package for another
// platform.
const skipLock = `{"lockfileVersion": 3, "packages": {
  "": {"name": "app"},
  "node_modules/express": {"version": "5.0.0"},
  "node_modules/express/node_modules/ms": {"version": "2.0.0"},
  "node_modules/@types/kept": {"version": "1.0.0"},
  "node_modules/alias": {"name": "real-name", "version": "3.0.0"},
  "node_modules/mkdirp": {"version": "1.0.4", "dev": true},
  "node_modules/@esbuild/darwin-arm64": {"version": "0.20.0", "optional": true, "os": ["darwin"], "cpu": ["arm64"]}
}}`

// skipApp installs skipLock's production packages.
func skipApp(t *testing.T) string {
	t.Helper()
	app := t.TempDir()
	for rel, pj := range map[string]string{
		"node_modules/express":                 `{"name":"express","version":"5.0.0"}`,
		"node_modules/express/node_modules/ms": `{"name":"ms","version":"2.0.0"}`,
		"node_modules/@types/kept":             `{"name":"@types/kept","version":"1.0.0"}`,
		"node_modules/alias":                   `{"name":"real-name","version":"3.0.0"}`,
	} {
		dir := filepath.Join(app, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(pj), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules", ".bin"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules", ".cache", "x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"app"}`), 0o644))
	return app
}

func TestInstalledAndLeftovers(t *testing.T) {
	app := skipApp(t)
	got, err := Installed(app)
	require.NoError(t, err)
	assert.Equal(t, []string{"node_modules/@types/kept", "node_modules/alias", "node_modules/express", "node_modules/express/node_modules/ms"}, got, "dot entries are not packages")
	assert.Empty(t, Leftovers(app, []byte(skipLock), got), "exactly the production packages: the other platform's optional one is not expected")

	// A package the lockfile does not list, at any depth.
	extra := filepath.Join(app, "node_modules", "express", "node_modules", "extra")
	require.NoError(t, os.MkdirAll(extra, 0o755))
	got, _ = Installed(app)
	assert.Equal(t, "node_modules/express/node_modules/extra is not a production package of the lockfile", Leftovers(app, []byte(skipLock), got))
	require.NoError(t, os.RemoveAll(extra))

	// A devDependency still there.
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules", "mkdirp"), 0o755))
	got, _ = Installed(app)
	assert.Contains(t, Leftovers(app, []byte(skipLock), got), "node_modules/mkdirp is not a production package")
	require.NoError(t, os.RemoveAll(filepath.Join(app, "node_modules", "mkdirp")))

	// Another version, or a missing package.
	ms := filepath.Join(app, "node_modules", "express", "node_modules", "ms", "package.json")
	require.NoError(t, os.WriteFile(ms, []byte(`{"name":"ms","version":"2.1.3"}`), 0o644))
	got, _ = Installed(app)
	assert.Equal(t, "node_modules/express/node_modules/ms is ms@2.1.3, the lockfile says ms@2.0.0", Leftovers(app, []byte(skipLock), got))
	require.NoError(t, os.RemoveAll(filepath.Dir(ms)))
	got, _ = Installed(app)
	assert.Equal(t, "node_modules/express/node_modules/ms is missing", Leftovers(app, []byte(skipLock), got))

	// package.json edited without the lockfile.
	require.NoError(t, os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"app","dependencies":{"express":"^5.0.0"}}`), 0o644))
	assert.Equal(t, "package.json does not declare the dependencies the lockfile records", Leftovers(app, []byte(skipLock), got))

	// A link where a package should be: npm decides.
	require.NoError(t, os.Symlink("../elsewhere", filepath.Join(app, "node_modules", "linked")))
	_, err = Installed(app)
	assert.ErrorContains(t, err, "node_modules/linked is not a package directory")
}

func TestFitsPlatform(t *testing.T) {
	goos, cpu := npmPlatform()
	fits := func(entry string) bool { return fitsPlatform(gjson.Parse(entry)) }
	assert.True(t, fits(`{}`))
	assert.True(t, fits(`{"os":["`+goos+`"],"cpu":["`+cpu+`"]}`))
	assert.False(t, fits(`{"os":["win32"]}`))
	assert.True(t, fits(`{"os":["!win32"]}`))
	assert.False(t, fits(`{"cpu":["!`+cpu+`"]}`))
	assert.False(t, fits(`{"libc":["musl"]}`), "libc is not modelled: npm decides")
}

// hiddenLock is written as npm writes node_modules/.package-lock.json.
const hiddenLock = `{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "node_modules/a": {
      "version": "1.0.0",
      "dev": true
    },
    "node_modules/a/node_modules/b": {
      "version": "1.0.0",
      "dev": true
    },
    "node_modules/@s/x": {
      "version": "1.0.0",
      "dev": true
    },
    "node_modules/@s/x/node_modules/y": {
      "version": "1.0.0",
      "dev": true
    },
    "node_modules/c": {
      "version": "1.0.0"
    },
    "node_modules/d": {
      "version": "1.0.0",
      "dev": true
    },
    "node_modules/e": {
      "version": "1.0.0"
    }
  }
}
`

func TestHiddenLockfile(t *testing.T) {
	out, why := HiddenLockfile([]byte(hiddenLock), []string{"node_modules/@s/x", "node_modules/a", "node_modules/d"}, []string{"node_modules/c", "node_modules/e"})
	require.Empty(t, why)
	assert.Equal(t, `{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "node_modules/c": {
      "version": "1.0.0"
    },
    "node_modules/e": {
      "version": "1.0.0"
    }
  }
}
`, string(out))

	_, why = HiddenLockfile([]byte(hiddenLock), []string{"node_modules/a", "node_modules/d"}, []string{"node_modules/c", "node_modules/e"})
	assert.Equal(t, "node_modules/.package-lock.json does not list what is installed", why)
	_, why = HiddenLockfile([]byte(hiddenLock), []string{"node_modules/@s/x", "node_modules/a", "node_modules/c", "node_modules/d", "node_modules/e"}, nil)
	assert.Equal(t, "no package is left", why)
	_, why = HiddenLockfile([]byte(`{"lockfileVersion":3}`), nil, nil)
	assert.Contains(t, why, "has no packages")
}

func TestRootAgrees(t *testing.T) {
	lock := []byte(`{"packages":{"":{"name":"app","dependencies":{"a":"^1.0.0"},"devDependencies":{"b":"2.x"}},"node_modules/a":{}}}`)
	assert.True(t, rootAgrees([]byte(`{"devDependencies":{"b":"2.x"},"dependencies":{"a":"^1.0.0"},"scripts":{"x":"y"}}`), lock))
	assert.False(t, rootAgrees([]byte(`{"dependencies":{"a":"^1.1.0"},"devDependencies":{"b":"2.x"}}`), lock), "a changed range")
	assert.False(t, rootAgrees([]byte(`{"dependencies":{"a":"^1.0.0"}}`), lock), "a removed devDependency")
	assert.False(t, rootAgrees([]byte(`{"dependencies":{"a":"^1.0.0"},"devDependencies":{"b":"2.x"},"optionalDependencies":{"c":"1"}}`), lock))
}
