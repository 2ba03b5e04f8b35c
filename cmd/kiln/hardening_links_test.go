package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// linkedApp lays out base/app (with files), base/host (a directory of the
// machine, holding hostFiles) and base/c/cache, and makes the links of the
// app (path in the app: target, where HOST stands for base/host).
type linkedApp struct {
	base, app, host, cache string
}

func newLinkedApp(t *testing.T, files, hostFiles, links map[string]string) linkedApp {
	t.Helper()
	base := t.TempDir()
	a := linkedApp{base: base, app: filepath.Join(base, "app"), host: filepath.Join(base, "host"), cache: filepath.Join(base, "c", "cache")}
	write := func(dir string, files map[string]string) {
		for name, body := range files {
			p := filepath.Join(dir, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		}
	}
	require.NoError(t, os.MkdirAll(a.app, 0o755))
	require.NoError(t, os.MkdirAll(a.host, 0o755))
	write(a.app, files)
	write(a.host, hostFiles)
	for l, target := range links {
		if target == "HOST" {
			target = a.host
		} else if rest, ok := cutPrefix(target, "HOST/"); ok {
			target = filepath.Join(a.host, rest)
		}
		p := filepath.Join(a.app, l)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.Symlink(target, p))
	}
	return a
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

// refused runs kiln with args (APP and CACHE replaced), and asserts that it
// fails with want in its output and that nothing outside the app and the
// cache changed.
func (a linkedApp) refused(t *testing.T, want string, args ...string) {
	t.Helper()
	before := buildpacktest.TreeDigest(t, a.base, a.app, filepath.Dir(a.cache))
	for i, arg := range args {
		switch arg {
		case "APP":
			args[i] = a.app
		case "CACHE":
			args[i] = a.cache
		}
	}
	env := buildpack.Env{"PATH": os.Getenv("PATH"), "HOME": a.base, "KILN_RUNTIME_STORE": filepath.Join(filepath.Dir(a.cache), "runtimes")}
	code, stdout, stderr := kiln(env, args...)
	assert.Equal(t, 1, code, stdout+stderr)
	assert.Contains(t, stdout+stderr, want)
	assert.Equal(t, before, buildpacktest.TreeDigest(t, a.base, a.app, filepath.Dir(a.cache)),
		"nothing outside the app and the cache changed")
}

const nodePackage = `{"name":"x","engines":{"node":"24.x"}}`

// TestHardeningLinkProfileD: a committed .profile.d that links to a
// directory of the machine (/etc/profile.d for a platform building as root)
// is refused before kiln writes nodejs.sh there, by bin/compile and by
// kiln build.
func TestHardeningLinkProfileD(t *testing.T) {
	a := newLinkedApp(t, map[string]string{"package.json": nodePackage}, map[string]string{"other.sh": "true\n"},
		map[string]string{".profile.d": "HOST"})
	want := "The app's .profile.d is a symbolic link to " + a.host + ", outside the app"
	a.refused(t, want, "compile", "APP", "CACHE")
	a.refused(t, want, "build", "--cache", "CACHE", "APP")
}

// TestHardeningLinkScalingo: a .scalingo link would have kiln empty the
// target's node/ and install Node.js there.
func TestHardeningLinkScalingo(t *testing.T) {
	a := newLinkedApp(t, map[string]string{"package.json": nodePackage}, map[string]string{"node/bin/keep": "x"},
		map[string]string{".scalingo": "../host"})
	a.refused(t, "The app's .scalingo/node leads outside the app: .scalingo is a symbolic link to ../host", "compile", "APP", "CACHE")
}

// TestHardeningLinkKilnDir: kiln build keeps the slug in APP/.kiln/slug,
// replacing what is there; a .kiln link would make it replace the target's
// slug/.
func TestHardeningLinkKilnDir(t *testing.T) {
	a := newLinkedApp(t, map[string]string{"package.json": nodePackage}, map[string]string{"slug/precious": "x"},
		map[string]string{".kiln": "HOST"})
	a.refused(t, filepath.Join(a.app, ".kiln")+" is a symbolic link to "+a.host+": kiln keeps its slug in that directory",
		"build", "--cache", "CACHE", "APP")
}

// TestHardeningLinkCacheDirectories: a cache directory reached through a
// link would be copied from outside the app into the cache, and written
// back there on the next restore.
func TestHardeningLinkCacheDirectories(t *testing.T) {
	a := newLinkedApp(t, map[string]string{"package.json": `{"name":"x","engines":{"node":"24.x"},"cacheDirectories":["data/stuff"]}`},
		map[string]string{"stuff/secret": "s"}, map[string]string{"data": "HOST"})
	a.refused(t, "The app's data/stuff leads outside the app: data is a symbolic link to "+a.host, "compile", "APP", "CACHE")
}

// TestHardeningLinkVendor: Composer installs into vendor/; a vendor link
// would have it write outside the app.
func TestHardeningLinkVendor(t *testing.T) {
	a := newLinkedApp(t, map[string]string{"composer.json": `{"require":{"php":"^8.2"}}`, "index.php": "<?php\n"},
		map[string]string{"autoload.php": "<?php\n"}, map[string]string{"vendor": "HOST"})
	a.refused(t, "The app's vendor is a symbolic link to "+a.host+", outside the app", "compile", "APP", "CACHE")
	a.refused(t, "vendor is a symbolic link to "+a.host, "plan", "APP")
}

// TestHardeningLinkManifests: package.json and composer.json that are
// links to files outside the app are refused, named, rather than read.
func TestHardeningLinkManifests(t *testing.T) {
	a := newLinkedApp(t, nil, map[string]string{"package.json": nodePackage, "composer.json": "{}"},
		map[string]string{"package.json": "HOST/package.json"})
	a.refused(t, "The app's package.json is a symbolic link to "+filepath.Join(a.host, "package.json")+", outside the app", "plan", "APP")
	a.refused(t, "The app's package.json is a symbolic link to", "build", "--cache", "CACHE", "APP")

	p := newLinkedApp(t, map[string]string{"index.php": "<?php\n"}, map[string]string{"composer.json": "{}"},
		map[string]string{"composer.json": "../host/composer.json"})
	p.refused(t, "The app's composer.json is a symbolic link to ../host/composer.json, outside the app", "plan", "APP")
	p.refused(t, "Remove the link (`git rm composer.json`) or make it point inside the app.", "compile", "APP", "CACHE")
}

// TestHardeningLinksInsideTheAppAreFollowed: links that stay inside the
// app are the app's business.
func TestHardeningLinksInsideTheAppAreFollowed(t *testing.T) {
	a := newLinkedApp(t, map[string]string{"config/package.json": nodePackage, "scripts/profile/x.sh": "true\n"}, nil,
		map[string]string{"package.json": "config/package.json", ".profile.d": "scripts/profile"})
	code, stdout, stderr := kiln(buildpack.Env{"PATH": os.Getenv("PATH")}, "plan", a.app)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Node.js")
}
