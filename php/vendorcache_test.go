package php

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

const (
	keyComposerJSON = `{
    "name": "acme/app",
    "description": "before",
    "require": {"php": "^8.2", "acme/lib": "^1.0"},
    "autoload": {"classmap": ["src/"]},
    "repositories": [{"type": "path", "url": "packages/*"}],
    "scripts": {"post-install-cmd": ["echo done"]},
    "extra": {"paas": {"document-root": "public"}, "installer-paths": {"web/": ["type:x"]}}
}`
	keyComposerLock = `{"packages": [{"name": "acme/lib", "version": "1.0.0"}]}`
)

// planApp writes files as an app and plans it with the host runtime.
func planApp(t *testing.T, files map[string]string, env buildpack.Env) (string, buildpack.Plan) {
	t.Helper()
	app := t.TempDir()
	for rel, body := range files {
		p := filepath.Join(app, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	st, err := stacks.Load("")
	require.NoError(t, err)
	env = buildpack.Env{"KILN_PHP_RUNTIME": "system"}.Merge(env)
	p, err := Buildpack{}.Plan(&buildpack.Context{Ctx: context.Background(), AppDir: app, Env: env, Stack: st, Log: buildpack.Discard()})
	require.NoError(t, err)
	return app, p
}

func TestVendorKeyInputs(t *testing.T) {
	base := map[string]string{"composer.json": keyComposerJSON, "composer.lock": keyComposerLock,
		"packages/lib/composer.json": `{"name": "acme/lib"}`, "packages/lib/src/A.php": "<?php class A {}"}
	in := vendorKeyInputs{PHP: "8.3.7", Composer: "2.8.1", Extensions: []string{"core", "json"},
		Command: []string{"composer", "install", "--no-dev"}}
	key := func(files map[string]string, env buildpack.Env, in vendorKeyInputs) vendorKey {
		merged := map[string]string{}
		for k, v := range base {
			merged[k] = v
		}
		for k, v := range files {
			merged[k] = v
		}
		app, p := planApp(t, merged, env)
		k, err := computeVendorKey(app, p, decoded(t, p), buildpack.Env{"KILN_PHP_RUNTIME": "system"}.Merge(env), in)
		require.NoError(t, err)
		return k
	}
	ref := key(nil, nil, in)
	_, p := planApp(t, base, nil)
	assert.Equal(t, "packages/*", p.Settings[setDepKeyPaths])

	edit := func(old, new string) map[string]string {
		require.Contains(t, keyComposerJSON, old)
		return map[string]string{"composer.json": strings.Replace(keyComposerJSON, old, new, 1)}
	}
	withIn := func(f func(*vendorKeyInputs)) vendorKeyInputs {
		c := in
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   buildpack.Env
		in    vendorKeyInputs
		want  []string
	}{
		{"lock bytes", map[string]string{"composer.lock": keyComposerLock + "\n"}, nil, in, []string{"composer.lock"}},
		{"require", edit(`"^1.0"`, `"^1.1"`), nil, in, []string{"composer.json require"}},
		{"autoload", edit(`"src/"`, `"lib/"`), nil, in, []string{"composer.json autoload"}},
		{"scripts", edit(`echo done`, `echo other`), nil, in, []string{"composer.json scripts"}},
		{"extra outside paas", edit(`"web/"`, `"www/"`), nil, in, []string{"composer.json extra"}},
		{"config", edit(`"name": "acme/app",`, `"name": "acme/app", "config": {"optimize-autoloader": true},`), nil, in, []string{"composer.json config"}},
		{"path repository contents", map[string]string{"packages/lib/src/A.php": "<?php class A { }"}, nil, in, []string{"path repository packages/*"}},
		{"new path repository file", map[string]string{"packages/other/B.php": "<?php"}, nil, in, []string{"path repository packages/*"}},
		{"COMPOSER_DEV", nil, buildpack.Env{"COMPOSER_DEV": "true"}, in, []string{"COMPOSER_DEV"}},
		{"other COMPOSER_ variable", nil, buildpack.Env{"COMPOSER_NO_DEV": "1"}, in, []string{"COMPOSER_NO_DEV"}},
		{"PHP version", nil, nil, withIn(func(i *vendorKeyInputs) { i.PHP = "8.3.8" }), []string{"PHP version 8.3.7 → 8.3.8"}},
		{"extensions", nil, nil, withIn(func(i *vendorKeyInputs) { i.Extensions = []string{"core", "gd"} }), []string{"PHP extensions (+gd, -json)"}},
		{"Composer version", nil, nil, withIn(func(i *vendorKeyInputs) { i.Composer = "2.8.2" }), []string{"Composer version 2.8.1 → 2.8.2"}},
		{"command", nil, nil, withIn(func(i *vendorKeyInputs) { i.Command = []string{"composer", "install"} }), []string{"install command"}},
		// Not inputs: formatting, kiln's own settings, descriptions, credentials, caches.
		{"reformatted composer.json", map[string]string{"composer.json": strings.ReplaceAll(keyComposerJSON, "\n    ", "\n\t")}, nil, in, nil},
		{"extra.paas", edit(`"document-root": "public"`, `"document-root": "web"`), nil, in, nil},
		{"description", edit(`"before"`, `"after"`), nil, in, nil},
		{"COMPOSER_AUTH and cache", nil, buildpack.Env{"COMPOSER_AUTH": `{"x":1}`, "COMPOSER_CACHE_DIR": "/x", "COMPOSER_DEV": "false"}, in, nil},
		{"app code", map[string]string{"src/New.php": "<?php class N {}"}, nil, in, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := key(tc.files, tc.env, tc.in).changes(ref)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestVendorCacheOff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   buildpack.Env
		want  string
	}{
		{"committed vendor", map[string]string{"vendor/autoload.php": "<?php"}, nil, "off: vendor/ is part of the app"},
		{"vendor-dir", map[string]string{"composer.json": `{"config": {"vendor-dir": "lib/vendor"}}`}, nil, "off: composer.json config.vendor-dir makes Composer install into lib/vendor, not vendor/"},
		{"COMPOSER_VENDOR_DIR", nil, buildpack.Env{"COMPOSER_VENDOR_DIR": "deps"}, "off: COMPOSER_VENDOR_DIR makes Composer install into deps, not vendor/"},
		{"path outside", map[string]string{"composer.json": `{"repositories": {"lib": {"type": "path", "url": "../lib"}}}`}, nil,
			"off: the path repository ../lib is outside the app, so its contents cannot be part of the dependency key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"composer.json": `{}`, "composer.lock": `{}`}
			for k, v := range tc.files {
				files[k] = v
			}
			_, p := planApp(t, files, tc.env)
			assert.Equal(t, tc.want, p.Settings[setDepCache])
			assert.Empty(t, p.Settings[setDepKeyComposer])
		})
	}
}

// fakeInstall stands in for composer install: it writes a package file, the
// autoloader and a bin proxy, unless they are there (as Composer leaves an
// installed package alone), and always rewrites the autoloader in place.
func fakeInstall(t *testing.T, installs *int) func(buildpack.Cmd) error {
	return func(c buildpack.Cmd) error {
		if len(c.Args) == 0 || c.Args[0] != "install" {
			if len(c.Args) == 1 && c.Args[0] == "-m" {
				_, _ = c.Stdout.Write([]byte("[PHP Modules]\nCore\njson\n"))
			}
			return nil
		}
		pkg := filepath.Join(c.Dir, "vendor/acme/lib/src/Lib.php")
		if _, err := os.Stat(pkg); err != nil {
			*installs++
			require.NoError(t, os.MkdirAll(filepath.Dir(pkg), 0o755))
			require.NoError(t, os.WriteFile(pkg, []byte("<?php class Lib {}"), 0o644))
			require.NoError(t, os.MkdirAll(filepath.Join(c.Dir, "vendor/bin"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(c.Dir, "vendor/bin/tool"), []byte("#!/bin/sh"), 0o755))
		}
		require.NoError(t, os.MkdirAll(filepath.Join(c.Dir, "vendor/composer"), 0o755))
		for _, f := range []string{"vendor/autoload.php", "vendor/composer/autoload_classmap.php"} {
			// file_put_contents: truncate and write the same inode.
			fh, err := os.OpenFile(filepath.Join(c.Dir, f), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
			require.NoError(t, err)
			_, _ = fh.WriteString("<?php // generated for " + c.Dir)
			require.NoError(t, fh.Close())
		}
		return nil
	}
}

func TestVendorCacheRestoresAndStillRunsComposer(t *testing.T) {
	cache := t.TempDir()
	files := map[string]string{"composer.json": `{"require": {"acme/lib": "^1"}}`, "composer.lock": keyComposerLock}
	installs := 0
	b := compileSystemCache(t, files, nil, fakeInstall(t, &installs), cache)
	require.NoError(t, b.err, b.out.String())
	assert.Contains(t, b.out.String(), "No installed dependencies in the cache: installing")
	assert.Contains(t, b.out.String(), "Saved vendor/ (4 files)")
	assert.Equal(t, []string{"vendor"}, b.report.CacheMisses)
	assert.Equal(t, 1, installs)

	b = compileSystemCache(t, files, nil, fakeInstall(t, &installs), cache)
	require.NoError(t, b.err, b.out.String())
	assert.Contains(t, b.out.String(), "Dependencies unchanged since the cached build: restored vendor/ (4 files)")
	assert.Contains(t, b.report.CacheHits, "vendor")
	assert.Equal(t, 1, installs, "the restored package is not installed again")
	assert.Contains(t, b.run.Commands(), []string{"composer", "install", "--prefer-dist", "--optimize-autoloader", "--no-interaction", "--no-progress", "--no-dev"},
		"Composer still runs: autoloader and scripts")
	tree := filepath.Join(cache, "php/vendor/tree")
	assertSameFile(t, true, filepath.Join(tree, "acme/lib/src/Lib.php"), filepath.Join(b.app, "vendor/acme/lib/src/Lib.php"))
	for _, f := range []string{"autoload.php", "composer/autoload_classmap.php", "bin/tool"} {
		assertSameFile(t, false, filepath.Join(tree, f), filepath.Join(b.app, "vendor", f))
	}
	saved, err := os.ReadFile(filepath.Join(tree, "composer/autoload_classmap.php"))
	require.NoError(t, err)
	assert.NotContains(t, string(saved), b.app, "Composer's in-place rewrite of the slug's autoloader leaves the cache alone")

	// A damaged key.json is ignored with a message; the install saves anew.
	require.NoError(t, os.WriteFile(filepath.Join(cache, "php/vendor/key.json"), []byte("{not json"), 0o644))
	b = compileSystemCache(t, files, nil, fakeInstall(t, &installs), cache)
	require.NoError(t, b.err, b.out.String())
	assert.Contains(t, b.out.String(), "Ignoring the cached vendor/ (key.json: ")
	assert.Equal(t, 2, installs)
	assert.Contains(t, b.out.String(), "Saved vendor/")

	// COMPOSER_DEV changes the key, named in the output.
	b = compileSystemCache(t, files, buildpack.Env{"COMPOSER_DEV": "true"}, fakeInstall(t, &installs), cache)
	require.NoError(t, b.err, b.out.String())
	assert.Contains(t, b.out.String(), "Dependencies changed since the cached build (COMPOSER_DEV, install command): installing")
}

func TestVendorCacheLeavesKilnPathsAlone(t *testing.T) {
	cache := newVendorCache(t.TempDir())
	app := t.TempDir()
	for _, f := range []string{"php/bin/php", "nginx/sbin/nginx", "apm/ddtrace/ddtrace.so", "composer/bin/composer",
		"composer/installed.json", "autoload.php", "acme/lib/a.php"} {
		p := filepath.Join(app, "vendor", f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(f), 0o644))
	}
	n, err := cache.save(app, vendorKey{Format: vendorKeyFormat}, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	var saved []string
	require.NoError(t, filepath.Walk(cache.tree(), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(cache.tree(), p)
			saved = append(saved, filepath.ToSlash(rel))
		}
		return err
	}))
	slices.Sort(saved)
	assert.Equal(t, []string{"acme/lib/a.php", "autoload.php", "composer/installed.json"}, saved)

	// A restore merges into a vendor/ that already holds the runtimes.
	app2 := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(app2, "vendor/composer/bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app2, "vendor/composer/bin/composer"), []byte("phar"), 0o755))
	m, err := cache.load()
	require.NoError(t, err)
	n, spare, err := cache.restore(app2, m)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.False(t, spare)
	assert.FileExists(t, filepath.Join(app2, "vendor/composer/installed.json"))
	assert.FileExists(t, filepath.Join(app2, "vendor/composer/bin/composer"))

	// Restoring over an existing package fails and removes what it placed.
	app3 := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(app3, "vendor/acme"), 0o755))
	_, _, err = cache.restore(app3, m)
	require.Error(t, err)
}

func TestVendorCacheLoadDamaged(t *testing.T) {
	cache := newVendorCache(t.TempDir())
	app := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(app, "vendor/acme/lib"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "vendor/acme/lib/a.php"), []byte("a"), 0o644))
	_, err := cache.save(app, vendorKey{Format: vendorKeyFormat}, nil)
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(cache.tree()))
	_, err = cache.load()
	assert.EqualError(t, err, "the saved vendor/ tree is missing")
	require.NoError(t, os.Remove(filepath.Join(cache.dir(), "key.json")))
	_, err = cache.load()
	assert.EqualError(t, err, "the saved vendor/ has no key.json")
}
