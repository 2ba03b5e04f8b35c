package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/runtimes/build"
	rrepo "github.com/kiln-dev/kiln/runtimes/repo"
)

// The runtime repository these tests build: the only PHP and nginx
// sources this machine can download are Debian bookworm's .orig archives
// (upstream's archives, byte for byte; Debian's signed .dsc lists their
// checksums), and the PECL extensions from Debian's repacks, which hold
// <ext>-<version>/ directories like PECL's own archives.
const (
	repoStack    = "scalingo-26"
	repoPHP      = "8.2.32"
	repoNginx    = "1.22.1"
	repoComposer = "2.5.5"
	debianPool   = "http://deb.debian.org/debian/pool/main/"
)

var repoExtensions = []struct{ name, version, url, sha256 string }{
	{"apcu", "5.1.22", "p/php-apcu/php-apcu_5.1.22+4.0.11.orig.tar.xz", "a39fc6df90d86f340891f67cc7b644f1a9a36a9dc0d276cfa4e82346589037e7"},
	{"redis", "5.3.7", "p/php-redis/php-redis_5.3.7+4.3.0.orig.tar.xz", "28eb4194a703a83d15bf05711e6f8941e3f3acf1c8f59e819ca1a90fe35f41b9"},
	{"imagick", "3.7.0", "p/php-imagick/php-imagick_3.7.0.orig.tar.gz", "5a364354109029d224bcbb2e82e15b248be9b641227f45e63425c06531792d3e"},
	{"mongodb", "1.15.0", "p/php-mongodb/php-mongodb_1.15.0+1.11.1+1.9.2+1.7.5.orig.tar.xz", "4aeb125f89073148de51aba0a9032fcab4e4f42beb22353104d1791beb4b9067"},
}

// runtimeBuildCache is where the tests keep the built runtimes between
// runs (KILN_RUNTIME_BUILD_CACHE, else kiln/runtime-builds in the user cache
// directory, as kiln runtimes build does): the first run compiles PHP for
// many minutes, later ones copy the archives.
func runtimeBuildCache(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("KILN_RUNTIME_BUILD_CACHE"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	require.NoError(t, err)
	return filepath.Join(base, "kiln", "runtime-builds")
}

// composerStandIn is what the repository serves as Composer's phar:
// getcomposer.org is unreachable here and Debian's composer package ships
// Composer unpacked, not as a phar, so the stand-in is a PHP script that
// runs Debian's Composer (PHP runs a .phar that is a plain script as such).
func composerStandIn(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile("/usr/bin/composer")
	require.NoError(t, err, "Debian's composer package must be installed")
	text := strings.Replace(string(src), "#!/usr/bin/php\n", "", 1)
	text = strings.ReplaceAll(text, "__DIR__ . '/../share/php/", "'/usr/share/php/")
	require.Contains(t, text, "'/usr/share/php/Composer/autoload.php'")
	return []byte(text)
}

// buildRuntimeRepository builds the repository into a fresh directory with
// kiln runtimes build --host (its package), from the Debian sources, and
// returns the directory and the builder's output.
func buildRuntimeRepository(t *testing.T, opts func(*build.Options)) (string, []build.Artifact, error) {
	t.Helper()
	phar := composerStandIn(t)
	composer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/download/"+repoComposer+"/composer.phar" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(phar)
	}))
	defer composer.Close()
	sum := sha256.Sum256(phar)
	sources := map[string]string{
		"php":      debianPool + "p/php8.2/php8.2_{version}.orig.tar.xz",
		"nginx":    debianPool + "n/nginx/nginx_{version}.orig.tar.gz",
		"composer": composer.URL + "/download/{version}/composer.phar",
	}
	sums := map[string]string{"composer": hex.EncodeToString(sum[:])}
	var exts []build.Extension
	for _, x := range repoExtensions {
		exts = append(exts, build.Extension{Name: x.name, Version: x.version})
		sources[x.name] = debianPool + x.url
		sums[x.name] = x.sha256
	}
	out := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "build.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	defer logFile.Close()
	o := build.Options{
		Stack: repoStack, Out: out, PHP: repoPHP, Nginx: repoNginx, Composer: repoComposer,
		Extensions: exts, Sources: sources, SHA256: sums, CacheDir: runtimeBuildCache(t),
		Runner: buildpack.ExecRunner{}, Env: buildpack.EnvFromOS(), Log: logFile, Output: logFile,
		Builder: "kiln e2e runtimes build --host",
	}
	if opts != nil {
		opts(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	start := time.Now()
	arts, err := build.Run(ctx, o)
	t.Logf("kiln runtimes build took %s", time.Since(start).Round(time.Second))
	if err != nil {
		logText, _ := os.ReadFile(logPath)
		t.Logf("build output (last 4000 bytes):\n%s", tail(string(logText), 4000))
	}
	return out, arts, err
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestRuntimeBuildArchives builds the repository and checks the archives
// where the buildpack puts them, in a directory that is not their build
// prefix: PHP has the documented compiled-in extensions and loads the
// extension archives through the extension_dir kiln's php.ini sets,
// PHP-FPM and nginx accept a configuration, every archive has its build
// inputs, a second build is taken from the cache, and a source whose
// checksum does not match is refused with nothing cached.
func TestRuntimeBuildArchives(t *testing.T) {
	skipShort(t)
	repo, arts, err := buildRuntimeRepository(t, nil)
	require.NoError(t, err)
	phpDir := filepath.Join(repo, "php", repoStack)
	api := "20220829"
	for _, p := range []string{"nginx/" + repoStack + "/nginx-" + repoNginx + ".tgz", "php/" + repoStack + "/php-" + repoPHP + ".tgz",
		"php/" + repoStack + "/composer-" + repoComposer + ".phar", "php/" + repoStack + "/ext/" + api + "/php-apcu.tgz",
		"php/" + repoStack + "/ext/" + api + "/php-sodium.tgz"} {
		assert.FileExists(t, filepath.Join(repo, p))
		var in rrepo.BuildInputs
		data, err := os.ReadFile(filepath.Join(repo, p) + rrepo.SidecarSuffix)
		if assert.NoError(t, err, "the sidecar of %s", p) && assert.NoError(t, json.Unmarshal(data, &in)) {
			assert.Equal(t, repoStack, in.Stack, p)
			assert.Len(t, in.Source.SHA256, 64, p)
			assert.NotEmpty(t, in.Source.URL, p)
		}
	}
	var in rrepo.BuildInputs
	data, err := os.ReadFile(filepath.Join(phpDir, "ext", api, "php-apcu.tgz"+rrepo.SidecarSuffix))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &in))
	assert.Equal(t, rrepo.BuildInputs{Kind: "extension", Name: "apcu", Version: "5.1.22", PHPAPI: api, Stack: repoStack,
		Source:    rrepo.Source{URL: debianPool + repoExtensions[0].url, SHA256: repoExtensions[0].sha256},
		Configure: []string{"--enable-apcu"}, ScriptSHA256: in.ScriptSHA256, Builder: in.Builder}, in)
	assert.Contains(t, in.Builder, "runtimes build --host")

	// Installed as the buildpack installs them, in a directory that is not /app.
	app := t.TempDir()
	vendorPHP := filepath.Join(app, "vendor/php")
	require.NoError(t, fetch.ExtractTarGz(filepath.Join(phpDir, "php-"+repoPHP+".tgz"), vendorPHP, 0))
	for _, ext := range []string{"apcu", "redis", "imagick", "mongodb", "calendar", "ftp", "gettext", "gmp", "sodium", "tidy"} {
		require.NoError(t, fetch.ExtractTarGz(filepath.Join(phpDir, "ext", api, "php-"+ext+".tgz"), vendorPHP, 0), ext)
	}
	require.NoError(t, fetch.ExtractTarGz(filepath.Join(repo, "nginx", repoStack, "nginx-"+repoNginx+".tgz"), filepath.Join(app, "vendor/nginx"), 0))
	ini := filepath.Join(app, "php.ini")
	// The line kiln's php.ini has for a repository PHP (php/buildconfig.go).
	require.NoError(t, os.WriteFile(ini, []byte("extension_dir = \"${KILN_APP_DIR}/vendor/php/lib/php/extensions/no-debug-non-zts-"+api+"\"\n"), 0o644))
	env := []string{"PATH=/usr/bin:/bin", "KILN_APP_DIR=" + app, "PHPRC=" + ini, "PHP_INI_SCAN_DIR=" + filepath.Join(vendorPHP, "etc/conf.d")}
	r := runCmd(t, env, app, filepath.Join(vendorPHP, "bin/php"), "-m")
	require.Equal(t, 0, r.code, describe(r))
	assert.Empty(t, r.stderr, "no extension fails to load")
	assert.NotContains(t, r.stdout, "Warning", "no extension fails to load")
	mods := map[string]bool{}
	for _, l := range strings.Split(r.stdout, "\n") {
		mods[strings.ToLower(strings.TrimSpace(l))] = true
	}
	compiledIn := "bcmath bz2 ctype curl date dom exif fileinfo filter gd hash iconv intl json libxml mbstring mysqli mysqlnd openssl pcntl pcre pdo pdo_mysql pdo_pgsql pdo_sqlite pgsql phar posix random readline reflection session shmop simplexml soap sockets spl sqlite3 standard tokenizer xml xmlreader xmlwriter xsl zend opcache zip zlib"
	for _, m := range strings.Fields(compiledIn + " apcu redis imagick mongodb calendar ftp gettext gmp sodium tidy") {
		if m == "zend" || m == "opcache" {
			m = "zend opcache"
		}
		assert.True(t, mods[m], "php -m lists %s:\n%s", m, r.stdout)
	}
	fpmConf := filepath.Join(app, "php-fpm.conf")
	require.NoError(t, os.WriteFile(fpmConf, []byte("[global]\nerror_log = /proc/self/fd/2\n[www]\nuser = nobody\nlisten = 127.0.0.1:9999\npm = static\npm.max_children = 1\n"), 0o644))
	r = runCmd(t, env, app, filepath.Join(vendorPHP, "sbin/php-fpm"), "-t", "--fpm-config", fpmConf, "-c", ini)
	assert.Equal(t, 0, r.code, describe(r))
	ngx := filepath.Join(app, "vendor/nginx/sbin/nginx")
	r = runCmd(t, env, app, ngx, "-V")
	require.Equal(t, 0, r.code, describe(r))
	for _, m := range []string{"--with-http_realip_module", "--with-http_ssl_module", "--with-pcre-jit"} {
		assert.Contains(t, r.stderr, m)
	}
	conf := filepath.Join(app, "nginx.conf")
	require.NoError(t, os.WriteFile(conf, []byte("daemon off;\npid "+app+"/nginx.pid;\nevents {}\nhttp {\n  access_log off;\n  set_real_ip_from 10.0.0.0/8;\n  real_ip_header X-Forwarded-For;\n  gzip on;\n"+
		"  map $http_x_forwarded_proto $https_on { default off; https on; }\n  server { listen 127.0.0.1:9998; location / { rewrite ^/a$ /b; fastcgi_pass 127.0.0.1:9999; } }\n}\n"), 0o644))
	r = runCmd(t, env, app, ngx, "-t", "-p", app+"/", "-c", conf, "-e", filepath.Join(app, "error.log"))
	assert.Equal(t, 0, r.code, describe(r))

	t.Run("a second build copies the archives from the cache", func(t *testing.T) {
		_, again, err := buildRuntimeRepository(t, nil)
		require.NoError(t, err)
		require.Len(t, again, len(arts))
		for _, a := range again {
			assert.True(t, a.Cached, "%s comes from the build cache", a.Path)
		}
	})

	t.Run("a source that does not match its checksum is refused, nothing cached", func(t *testing.T) {
		cache := t.TempDir()
		_, _, err := buildRuntimeRepository(t, func(o *build.Options) {
			o.PHP, o.Composer, o.Extensions, o.CacheDir = "", "", nil, cache
			o.SHA256 = map[string]string{"nginx": strings.Repeat("0", 64)}
		})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "nginx 1.22.1")
		assert.Contains(t, err.Error(), "checksum mismatch")
		entries, _ := os.ReadDir(cache)
		for _, e := range entries {
			assert.Equal(t, "sources", e.Name(), "only the (empty) source store is left")
		}
		left, _ := os.ReadDir(filepath.Join(cache, "sources"))
		assert.Empty(t, left)
	})
}

// signRuntimeRepository makes a key pair, indexes and signs the repository
// with `kiln runtimes keygen` and `kiln runtimes index` (the repo-sign
// helper's commands) and returns the public key for KILN_RUNTIME_PUBLIC_KEY.
// It is the one step to adapt if those commands change.
func signRuntimeRepository(t *testing.T, kiln, repo string) string {
	t.Helper()
	keys := t.TempDir()
	r := runCmd(t, hostEnv(), "", kiln, "runtimes", "keygen", "--out", keys)
	require.Equal(t, 0, r.code, describe(r))
	r = runCmd(t, hostEnv(), "", kiln, "runtimes", "index", repo, "--key", filepath.Join(keys, "kiln-runtimes.key"))
	require.Equal(t, 0, r.code, describe(r))
	pub, err := os.ReadFile(filepath.Join(keys, "kiln-runtimes.pub"))
	require.NoError(t, err)
	return strings.TrimSpace(string(pub))
}

// TestOwnRuntimeRepository is a platform running its own PHP runtime
// repository: kiln builds it (as above), indexes and signs it, serves it on
// 127.0.0.1; the buildpack compiles a classic app and a Composer app that
// needs intl and apcu from it, and their web processes answer with the
// extensions loaded. A tampered archive, then a tampered manifest, fail the
// build naming the artifact, with nothing cached.
func TestOwnRuntimeRepository(t *testing.T) {
	skipShort(t)
	kiln := buildKiln(t, t.TempDir())
	repo, _, err := buildRuntimeRepository(t, nil)
	require.NoError(t, err)
	// The sidecars are build inputs for the index, not served artifacts.
	pub := signRuntimeRepository(t, kiln, repo)
	srv := httptest.NewServer(http.FileServer(http.Dir(repo)))
	defer srv.Close()
	env := hostEnv("PHP_BASE_URL="+srv.URL+"/php", "NGINX_BASE_URL="+srv.URL+"/nginx", "KILN_RUNTIME_PUBLIC_KEY="+pub,
		"KILN_EXTRA_VERSIONS=php="+repoPHP+",nginx="+repoNginx+",composer="+repoComposer,
		"NGINX_VERSION="+repoNginx, "COMPOSER_VERSION="+repoComposer, "PHP_VERSION="+repoPHP, "STACK="+repoStack)

	compile := func(t *testing.T, app, cache string) result {
		t.Helper()
		// What bin/compile runs, with this test's kiln binary.
		return runCmd(t, env, "", kiln, "compile", app, cache)
	}
	serve := func(t *testing.T, app string) string {
		t.Helper()
		port := freePort(t)
		out := buildpacktest.StartWeb(t, app, release(t, kiln, app), port)
		code, body := waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", port), 30*time.Second)
		require.Equal(t, 200, code, out.String())
		return body
	}

	t.Run("classic app", func(t *testing.T) {
		app := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(app, "index.php"),
			[]byte("<?php printf(\"classic PHP %s opcache=%s intl=%s\\n\", PHP_VERSION, extension_loaded('Zend OPcache') ? 'yes' : 'no', extension_loaded('intl') ? 'yes' : 'no');\n"), 0o644))
		r := compile(t, app, t.TempDir())
		require.Equal(t, 0, r.code, describe(r))
		assert.Contains(t, serve(t, app), "classic PHP "+repoPHP+" opcache=yes intl=yes")
	})

	t.Run("Composer app with intl and apcu", func(t *testing.T) {
		app := copyTree(t, filepath.Join(repoRoot(t), "e2e", "testdata", "php-runtime-repo"))
		r := compile(t, app, t.TempDir())
		require.Equal(t, 0, r.code, describe(r))
		assert.Contains(t, r.stdout, "Installing PHP extension apcu")
		assert.Contains(t, serve(t, app), "PHP "+repoPHP+"; intl=yes; apcu=yes (stored in APCu); 1,234.5")
	})

	tamper := func(t *testing.T, rel string, edit func([]byte) []byte) []byte {
		t.Helper()
		p := filepath.Join(repo, rel)
		orig, err := os.ReadFile(p)
		require.NoError(t, err)
		bad := edit(orig)
		require.NoError(t, os.WriteFile(p, bad, 0o644))
		t.Cleanup(func() { _ = os.WriteFile(p, orig, 0o644) })
		return bad
	}
	// refused compiles the Composer app, which must fail naming artifact,
	// and returns the files the build left in its cache.
	refused := func(t *testing.T, artifact string) map[string][32]byte {
		t.Helper()
		app := copyTree(t, filepath.Join(repoRoot(t), "e2e", "testdata", "php-runtime-repo"))
		cache := t.TempDir()
		r := compile(t, app, cache)
		assert.NotEqual(t, 0, r.code, describe(r))
		assert.Contains(t, r.stdout+r.stderr, artifact, describe(r))
		files := map[string][32]byte{}
		_ = filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if b, err := os.ReadFile(p); err == nil {
					files[p] = sha256.Sum256(b)
				}
			}
			return nil
		})
		return files
	}

	t.Run("tampered archive", func(t *testing.T) {
		bad := sha256.Sum256(tamper(t, "php/"+repoStack+"/ext/20220829/php-apcu.tgz", func(b []byte) []byte { return append(b, 0) }))
		for p, sum := range refused(t, "php-apcu.tgz") {
			assert.NotEqual(t, bad, sum, "the tampered archive is not cached (%s)", p)
		}
	})

	t.Run("tampered manifest", func(t *testing.T) {
		tamper(t, "php/"+repoStack+"/manifest.json", func(b []byte) []byte {
			// Still valid JSON: a changed size, as if the archive had been
			// replaced and the manifest edited to match.
			return []byte(strings.Replace(string(b), `"size": `, `"size": 1`, 1))
		})
		served := map[[32]byte]string{}
		_ = filepath.WalkDir(repo, func(p string, d os.DirEntry, err error) error {
			if err == nil && (strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".phar")) {
				if b, err := os.ReadFile(p); err == nil {
					served[sha256.Sum256(b)] = p
				}
			}
			return nil
		})
		for p, sum := range refused(t, "manifest.json") {
			assert.NotContains(t, served, sum, "nothing of a repository whose manifest fails its signature is cached (%s)", p)
		}
	})
}

// release reads the web command bin/release prints for a compiled app.
func release(t *testing.T, kiln, app string) string {
	t.Helper()
	out, err := exec.Command(kiln, "release", app).Output()
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*web:\s*(.+)$`).FindStringSubmatch(string(out))
	require.NotNil(t, m, "release output: %s", out)
	return strings.Trim(strings.TrimSpace(m[1]), `"'`)
}
