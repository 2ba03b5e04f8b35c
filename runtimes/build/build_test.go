package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/runtimes/repo"
)

// fakeCompiler stands for the build scripts: it records each run and
// installs the files a real build would, without compiling.
type fakeCompiler struct {
	mu   sync.Mutex
	runs []string
}

func (f *fakeCompiler) Run(_ context.Context, c buildpack.Cmd) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	script := filepath.Base(c.Args[0])
	f.runs = append(f.runs, script)
	root := c.Env.Get("KILN_INSTALL_ROOT")
	write := func(p, body string) error {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(body), 0o755)
	}
	switch script {
	case "nginx.sh":
		return write(filepath.Join(root, NginxPrefix, "sbin/nginx"), "nginx "+strings.Join(c.Args[1:], " "))
	case "php.sh":
		ext := filepath.Join(root, PHPPrefix, "lib/php/extensions/no-debug-non-zts-20220829")
		for _, m := range append([]string{"opcache"}, OptionalBundled()...) {
			if err := write(filepath.Join(ext, m+".so"), m); err != nil {
				return err
			}
		}
		return write(filepath.Join(root, PHPPrefix, "bin/php"), "php")
	case "ext.sh":
		if _, err := os.Stat(filepath.Join(c.Env.Get("KILN_PHP_HOME"), "bin/php")); err != nil {
			return err
		}
		return write(filepath.Join(c.Env.Get("KILN_MODULE_DIR"), c.Env.Get("KILN_EXT")+".so"), "module")
	}
	return nil
}

// sourceServer serves fake source archives and returns the options that
// point at it, with their checksums.
func sourceServer(t *testing.T, files map[string]string) (map[string]string, map[string]string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	urls, sums := map[string]string{}, map[string]string{}
	for name, body := range files {
		urls[name] = srv.URL + "/" + name
		s := sha256.Sum256([]byte(body))
		sums[name] = hex.EncodeToString(s[:])
	}
	return urls, sums
}

func listTgz(t *testing.T, path string) []string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, fetch.ExtractTarGz(path, dir, 0))
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	}))
	sort.Strings(out)
	return out
}

func TestRunBuildsPublishesAndCaches(t *testing.T) {
	urls, sums := sourceServer(t, map[string]string{"nginx": "nginx source", "php": "php source", "apcu": "apcu source", "composer": "<?php // phar"})
	cache, out := t.TempDir(), t.TempDir()
	fc := &fakeCompiler{}
	opts := Options{Stack: "scalingo-26", Out: out, PHP: "8.2.99", Nginx: "1.99.0", Composer: "2.9.9",
		Extensions: []Extension{{"apcu", "5.1.22"}}, Sources: urls, SHA256: sums, CacheDir: cache,
		Runner: fc, Builder: "kiln test"}
	arts, err := Run(context.Background(), opts)
	require.NoError(t, err)
	var paths []string
	for _, a := range arts {
		assert.False(t, a.Cached)
		paths = append(paths, a.Path)
	}
	assert.Equal(t, []string{
		"nginx/scalingo-26/nginx-1.99.0.tgz",
		"php/scalingo-26/ext/20220829/php-calendar.tgz", "php/scalingo-26/ext/20220829/php-ftp.tgz",
		"php/scalingo-26/ext/20220829/php-gettext.tgz", "php/scalingo-26/ext/20220829/php-gmp.tgz",
		"php/scalingo-26/ext/20220829/php-sodium.tgz", "php/scalingo-26/ext/20220829/php-tidy.tgz",
		"php/scalingo-26/php-8.2.99.tgz",
		"php/scalingo-26/ext/20220829/php-apcu.tgz",
		"php/scalingo-26/composer-2.9.9.phar",
	}, paths)
	assert.Equal(t, []string{"nginx.sh", "php.sh", "ext.sh"}, fc.runs)

	php := filepath.Join(out, "php/scalingo-26")
	assert.Equal(t, []string{"bin/php", "etc/conf.d/10-opcache.ini", "lib/php/extensions/no-debug-non-zts-20220829/opcache.so"},
		listTgz(t, filepath.Join(php, "php-8.2.99.tgz")), "the optional extensions are in archives of their own")
	assert.Equal(t, []string{"etc/conf.d/apcu.ini", "lib/php/extensions/no-debug-non-zts-20220829/apcu.so"},
		listTgz(t, filepath.Join(php, "ext/20220829/php-apcu.tgz")))
	phar, err := os.ReadFile(filepath.Join(php, "composer-2.9.9.phar"))
	require.NoError(t, err)
	assert.Equal(t, "<?php // phar", string(phar))

	var in repo.BuildInputs
	data, err := os.ReadFile(filepath.Join(php, "ext/20220829/php-apcu.tgz.build.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &in))
	_, scriptSum, _ := script("ext.sh")
	assert.Equal(t, repo.BuildInputs{Kind: "extension", Name: "apcu", Version: "5.1.22", PHPAPI: "20220829", Stack: "scalingo-26",
		Source: repo.Source{URL: urls["apcu"], SHA256: sums["apcu"]}, Configure: []string{"--enable-apcu"},
		ScriptSHA256: scriptSum, Builder: "kiln test"}, in)
	data, err = os.ReadFile(filepath.Join(php, "ext/20220829/php-sodium.tgz.build.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &in))
	assert.Equal(t, "php", filepath.Base(strings.TrimSuffix(in.Source.URL, "/")), "a bundled extension comes from PHP's source")
	assert.Contains(t, in.Configure, "--with-sodium=shared")
	var raw map[string]any
	data, err = os.ReadFile(filepath.Join(php, "composer-2.9.9.phar.build.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &raw))
	assert.Equal(t, []any{}, raw["configure"], "configure is a list, empty for Composer")

	t.Run("the same inputs are copied from the cache, without a download", func(t *testing.T) {
		fc.runs = nil
		o := opts
		o.Out = t.TempDir()
		o.Sources = map[string]string{"nginx": "http://127.0.0.1:1/gone", "php": "http://127.0.0.1:1/gone",
			"apcu": "http://127.0.0.1:1/gone", "composer": "http://127.0.0.1:1/gone"}
		again, err := Run(context.Background(), o)
		require.NoError(t, err)
		require.Len(t, again, len(arts))
		for _, a := range again {
			assert.True(t, a.Cached, a.Path)
			assert.FileExists(t, filepath.Join(o.Out, a.Path+repo.SidecarSuffix))
		}
		assert.Empty(t, fc.runs)
	})

	t.Run("a changed source rebuilds it and what is built against it", func(t *testing.T) {
		fc.runs = nil
		urls2, sums2 := sourceServer(t, map[string]string{"php": "php source, patched"})
		o := opts
		o.Out, o.Nginx, o.Composer = t.TempDir(), "", ""
		o.Sources = map[string]string{"php": urls2["php"], "apcu": urls["apcu"]}
		o.SHA256 = map[string]string{"php": sums2["php"], "apcu": sums["apcu"]}
		_, err := Run(context.Background(), o)
		require.NoError(t, err)
		assert.Equal(t, []string{"php.sh", "ext.sh"}, fc.runs)
	})
}

func TestRunRefusesASourceThatDoesNotMatch(t *testing.T) {
	urls, _ := sourceServer(t, map[string]string{"nginx": "tampered nginx source"})
	cache := t.TempDir()
	fc := &fakeCompiler{}
	_, err := Run(context.Background(), Options{Stack: "scalingo-26", Out: t.TempDir(), Nginx: "1.22.1",
		Sources: urls, CacheDir: cache, Runner: fc})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fetching the nginx 1.22.1 source")
	assert.Contains(t, err.Error(), "checksum mismatch")
	assert.Contains(t, err.Error(), KnownSHA256("nginx", "1.22.1"), "kiln's own checksum of nginx 1.22.1 is the reference")
	assert.Empty(t, fc.runs)
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing but the source store")
	left, _ := os.ReadDir(filepath.Join(cache, "sources"))
	assert.Empty(t, left)
}

func TestRunNeedsAChecksum(t *testing.T) {
	_, err := Run(context.Background(), Options{Stack: "scalingo-26", Out: t.TempDir(), PHP: "8.2.99",
		CacheDir: t.TempDir(), Runner: &fakeCompiler{}})
	require.Error(t, err)
	assert.Equal(t, "no SHA-256 for the php 8.2.99 source (https://www.php.net/distributions/php-8.2.99.tar.xz): "+
		"kiln knows none for this version; pass --sha256 php=<hex> with the checksum its publisher lists", err.Error())

	_, err = Run(context.Background(), Options{Stack: "scalingo-26", Out: t.TempDir(), Nginx: "1.22.1",
		SHA256: map[string]string{"nginx": "abc"}, CacheDir: t.TempDir(), Runner: &fakeCompiler{}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the SHA-256 given for nginx ("abc") is not 64 hexadecimal digits`)
}

func TestFailedBuildLeavesNothingCached(t *testing.T) {
	urls, sums := sourceServer(t, map[string]string{"nginx": "nginx source"})
	cache := t.TempDir()
	_, err := Run(context.Background(), Options{Stack: "scalingo-26", Out: t.TempDir(), Nginx: "1.99.0",
		Sources: urls, SHA256: sums, CacheDir: cache, Runner: failingRunner{}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the build script nginx.sh failed")
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		assert.Equal(t, "sources", e.Name())
	}
}

type failingRunner struct{}

func (failingRunner) Run(context.Context, buildpack.Cmd) error { return os.ErrPermission }

func TestScriptsAreEmbeddedAndHashed(t *testing.T) {
	for _, name := range []string{"php.sh", "nginx.sh", "ext.sh"} {
		body, sum, err := script(name)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(body), "#!/bin/sh\n"), name)
		assert.Len(t, sum, 64)
	}
	assert.NotEqual(t, Key("php", "8.2.32", []string{"--a"}), Key("php", "8.2.32", []string{"--b"}), "configure flags are part of the key")
	assert.Equal(t, "https://pecl.php.net/get/apcu-5.1.22.tgz", expand(DefaultPECLSource, "apcu", "5.1.22"))
}
