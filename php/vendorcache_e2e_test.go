package php

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cp "github.com/otiai10/copy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// buildCopy is compileCopy with the output as a string.
func buildCopy(t *testing.T, src, cache string, extra buildpack.Env) (string, string, buildpack.Summary, time.Duration) {
	t.Helper()
	app, out, rep, d := compileCopy(t, src, cache, extra)
	return app, out.String(), rep, d
}

// TestEndToEndVendorCache builds the Composer app (a path repository, the
// app's classes in an autoload classmap) repeatedly with one cache, with
// real Composer: a restore serves and autoloads like an install, and every
// change of a key input reinstalls and is named.
func TestEndToEndVendorCache(t *testing.T) {
	requireHostRuntime(t)
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, cp.Copy(filepath.Join("..", "fixtures", "php-e2e-composer"), src))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "expected")))
	cache := t.TempDir()
	write := func(rel, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(src, rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(src, rel), []byte(body), 0o644))
	}
	serve := func(app, path string) string {
		b := bootApp(t, app, buildpack.Env{"WEB_CONCURRENCY": "1"})
		defer b.stop(t)
		code, body := b.get(t, path)
		assert.Equal(t, 200, code, body)
		return body
	}

	_, out, rep, cold := buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "No installed dependencies in the cache: installing")
	assert.Contains(t, out, "Saved vendor/")
	assert.Contains(t, rep.CacheMisses, "vendor")
	assert.FileExists(t, filepath.Join(cache, "php/vendor/key.json"))
	assert.DirExists(t, filepath.Join(cache, "php/vendor/spare"), "the spare for the next restore is linked before Compile returns")

	app, out, rep, warm := buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "Dependencies unchanged since the cached build: restored vendor/")
	assert.Contains(t, out, "from its ready-made copy", "the first warm build takes the spare the cold build linked")
	assert.NotContains(t, out, "Saved vendor/")
	assert.Contains(t, rep.CacheHits, "vendor")
	t.Logf("compile: cold %s, warm %s", cold.Round(time.Millisecond), warm.Round(time.Millisecond))
	body := serve(app, "/")
	assert.Contains(t, body, "Hello, kiln, from the greeter library")
	assert.Contains(t, body, "app class autoloaded")

	// A class added to the app after the cached build: only a regenerated
	// classmap finds it.
	write("src/Extra.php", "<?php\nnamespace App;\nfinal class Extra { public static function hi(): string { return 'extra class autoloaded'; } }\n")
	write("public/extra.php", "<?php\nrequire __DIR__ . '/../vendor/autoload.php';\necho \\App\\Extra::hi(), \"\\n\";\n")
	app, out, _, _ = buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "restored vendor/")
	assert.Contains(t, out, "from its ready-made copy", "the second warm build takes the spare the first one linked")
	assert.Contains(t, serve(app, "/extra.php"), "extra class autoloaded")
	classmap, err := os.ReadFile(filepath.Join(app, "vendor/composer/autoload_classmap.php"))
	require.NoError(t, err)
	assert.Contains(t, string(classmap), `App\\Extra`)
	saved, err := os.ReadFile(filepath.Join(cache, "php/vendor/tree/composer/autoload_classmap.php"))
	require.NoError(t, err)
	assert.NotContains(t, string(saved), `App\\Extra`, "the regenerated autoloader is the slug's copy, not the cache's")

	// The path repository's code changes, its lock entry does not.
	greeter := filepath.Join(src, "lib/greeter/src/Greeter.php")
	code, err := os.ReadFile(greeter)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(greeter, []byte(strings.Replace(string(code), "from the greeter library", "from the changed greeter", 1)), 0o644))
	app, out, _, _ = buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "Dependencies changed since the cached build (path repository lib/greeter): installing")
	assert.Contains(t, serve(app, "/"), "from the changed greeter")

	lock, err := os.ReadFile(filepath.Join(src, "composer.lock"))
	require.NoError(t, err)
	write("composer.lock", string(lock)+"\n")
	_, out, _, _ = buildCopy(t, src, cache, nil)
	assert.Contains(t, out, "Dependencies changed since the cached build (composer.lock): installing")

	_, out, _, _ = buildCopy(t, src, cache, buildpack.Env{"COMPOSER_DEV": "true"})
	assert.Contains(t, out, "Dependencies changed since the cached build (COMPOSER_DEV, install command): installing")
	_, out, _, _ = buildCopy(t, src, cache, buildpack.Env{"COMPOSER_DEV": "true"})
	assert.Contains(t, out, "restored vendor/")

	// A compile command that patches a package file in place changes the
	// hard-linked saved copy too: the cache is dropped, not reused.
	cj, err := os.ReadFile(filepath.Join(src, "composer.json"))
	require.NoError(t, err)
	write("composer.json", strings.Replace(string(cj), `"document-root": "public",`,
		`"document-root": "public", "compile": ["echo '// patched' >> vendor/kiln-test/greeter/src/Greeter.php"],`, 1))
	_, out, _, _ = buildCopy(t, src, cache, buildpack.Env{"COMPOSER_DEV": "true"})
	assert.Contains(t, out, "restored vendor/", "extra.paas is not a key input")
	assert.Contains(t, out, "The build changed vendor/kiln-test/greeter/src/Greeter.php in place")
	assert.NoDirExists(t, filepath.Join(cache, "php", "vendor"))
	_, out, _, _ = buildCopy(t, src, cache, buildpack.Env{"COMPOSER_DEV": "true"})
	assert.Contains(t, out, "No installed dependencies in the cache: installing")
}
