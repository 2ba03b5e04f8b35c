package php

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/php/boot"
	"github.com/kiln-dev/kiln/runtimes/repo"
	"github.com/kiln-dev/kiln/stacks"
)

// makeTgz builds a .tar.gz archive of files (path → content; every file is
// executable).
func makeTgz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// repoServer is a runtime repository on disk (root, laid out as kiln
// runtimes build leaves it), served over HTTP, signed by its own key with
// kiln runtimes index's code (repo.Index), each artifact with a .sha256
// for the unsigned mode.
type repoServer struct {
	*httptest.Server
	root string
	priv ed25519.PrivateKey
	// pub is the repository's public key, as KILN_RUNTIME_PUBLIC_KEY
	// holds it.
	pub  string
	mu   sync.Mutex
	hits map[string]int
}

func newRepoServer(t *testing.T) *repoServer {
	pub, priv, err := repo.GenerateKey(nil)
	require.NoError(t, err)
	r := &repoServer{root: t.TempDir(), priv: priv, pub: repo.EncodePublicKey(pub), hits: map[string]int{}}
	files := http.FileServer(http.Dir(r.root))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits[req.URL.Path]++
		r.mu.Unlock()
		files.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

// put writes a file of the repository (path: its URL path).
func (r *repoServer) put(t *testing.T, path string, body []byte) {
	t.Helper()
	full := filepath.Join(r.root, filepath.FromSlash(path))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.WriteFile(full, body, 0o644))
}

// remove deletes a file of the repository.
func (r *repoServer) remove(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.Remove(filepath.Join(r.root, filepath.FromSlash(path))))
}

// read returns a file of the repository.
func (r *repoServer) read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(path)))
	require.NoError(t, err)
	return b
}

// add publishes an artifact with its .sha256 (signing is index's).
func (r *repoServer) add(t *testing.T, path string, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	r.put(t, path, body)
	r.put(t, path+".sha256", []byte(hex.EncodeToString(sum[:])+"  "+filepath.Base(path)+"\n"))
}

// index signs the repository (kiln runtimes index).
func (r *repoServer) index(t *testing.T) {
	t.Helper()
	_, err := repo.Index(r.root, r.priv)
	require.NoError(t, err)
}

func (r *repoServer) hitCount(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[path]
}

// standard publishes PHP, nginx, Composer and the gd extension for
// scalingo-26 and signs them.
func (r *repoServer) standard(t *testing.T) {
	r.add(t, "/php/scalingo-26/php-8.4.22.tgz", makeTgz(t, map[string]string{"bin/php": "#!/bin/sh\n", "sbin/php-fpm": "#!/bin/sh\n",
		"etc/php-fpm.conf": "[global]\n"}))
	r.add(t, "/nginx/scalingo-26/nginx-1.30.3.tgz", makeTgz(t, map[string]string{"sbin/nginx": "#!/bin/sh\n"}))
	r.add(t, "/php/scalingo-26/composer-2.10.1.phar", []byte("#!/usr/bin/env php\n<?php // composer\n"))
	r.add(t, "/php/scalingo-26/ext/20240924/php-gd.tgz", makeTgz(t, map[string]string{
		"lib/php/extensions/no-debug-non-zts-20240924/gd.so": "ELF", "etc/conf.d/gd.ini": "extension=gd.so\n"}))
	r.index(t)
}

// repoEnv is the build environment of a signed repository at srv.
func repoEnv(srv *repoServer) buildpack.Env {
	return buildpack.Env{"PHP_BASE_URL": srv.URL + "/php", "KILN_RUNTIME_PUBLIC_KEY": srv.pub}
}

// repoBuild plans and compiles a Composer app requiring ext-gd against the
// repository at srv, with a recording runner standing in for PHP.
func repoBuild(t *testing.T, srv *repoServer, cache string) (string, *buildpacktest.RecordingRunner, error) {
	t.Helper()
	return repoBuildEnv(t, srv, cache, "", nil)
}

// repoBuildShared is repoBuild with the shared runtime store store ("" for
// none).
func repoBuildShared(t *testing.T, srv *repoServer, cache, store string) (string, *buildpacktest.RecordingRunner, error) {
	t.Helper()
	return repoBuildEnv(t, srv, cache, store, nil)
}

// repoBuildEnv is repoBuildShared with more variables (over repoEnv); a
// failing plan is returned as the error.
func repoBuildEnv(t *testing.T, srv *repoServer, cache, store string, more buildpack.Env) (string, *buildpacktest.RecordingRunner, error) {
	t.Helper()
	app := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(app, "composer.json"), []byte(`{"require": {"ext-gd": "*"}}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(app, "composer.lock"), []byte(`{"packages": []}`), 0o644))
	exe := filepath.Join(t.TempDir(), "kiln")
	require.NoError(t, os.WriteFile(exe, []byte("binary"), 0o755))
	st, err := stacks.Load("scalingo-26")
	require.NoError(t, err)
	run := &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
		if len(c.Args) == 1 && c.Args[0] == "-m" {
			mods := "[PHP Modules]\nCore\njson\n"
			if fileExists(app, "vendor/php/etc/conf.d/gd.ini") {
				mods += "gd\n"
			}
			_, _ = c.Stdout.Write([]byte(mods))
		}
		return nil
	}}
	env := buildpack.Env{"STACK": "scalingo-26", "PATH": "/usr/bin:/bin", "NGINX_BASE_URL": srv.URL + "/nginx/"}.Merge(repoEnv(srv)).Merge(more)
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, RuntimeStore: store, Env: env, Stack: st, Log: buildpack.Discard(),
		Runner: run, HTTP: srv.Client(), Executable: exe}
	p, err := Buildpack{}.Plan(ctx)
	if err != nil {
		return app, run, err
	}
	return app, run, Buildpack{}.Compile(ctx, p)
}

func downloads(t *testing.T, cache string) []string {
	entries, err := os.ReadDir(filepath.Join(cache, "downloads"))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestRepositoryRuntimeInstallAndCache(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	cache := t.TempDir()
	app, run, err := repoBuild(t, srv, cache)
	require.NoError(t, err)
	for _, f := range []string{"vendor/php/bin/php", "vendor/php/sbin/php-fpm", "vendor/nginx/sbin/nginx",
		composerPhar, "vendor/php/etc/conf.d/gd.ini", bootBinary, profilePath, phpIniPath} {
		assert.FileExists(t, filepath.Join(app, f))
	}
	bc, err := boot.ReadConfig(app)
	require.NoError(t, err)
	assert.Equal(t, "vendor/php/sbin/php-fpm", bc.PHPFPM)
	assert.Equal(t, "vendor/nginx/sbin/nginx", bc.Nginx)
	ini, _ := os.ReadFile(filepath.Join(app, phpIniPath))
	assert.Contains(t, string(ini), `extension_dir = "${KILN_APP_DIR}/vendor/php/lib/php/extensions/no-debug-non-zts-20240924"`)
	assert.Len(t, downloads(t, cache), 4)
	cmds := run.Commands()
	require.Greater(t, len(cmds), 2)
	last := cmds[len(cmds)-3] // before the configuration check (php-fpm -t, nginx -t)
	assert.Equal(t, []string{"php", composerPhar, "install", "--prefer-dist", "--optimize-autoloader", "--no-interaction", "--no-progress", "--no-dev"}, last)
	assert.Equal(t, []string{"-t"}, cmds[len(cmds)-1][len(cmds[len(cmds)-1])-1:])
	call := run.Calls[len(run.Calls)-3]
	assert.Equal(t, filepath.Join(cache, "composer"), call.Env.Get("COMPOSER_CACHE_DIR"))
	assert.True(t, strings.HasPrefix(call.Env.Get("PATH"), app+"/vendor/php/bin:"), call.Env.Get("PATH"))
	assert.Equal(t, app+"/.kiln/php/php.ini", call.Env.Get("PHPRC"))
	unpacked, _ := filepath.Glob(filepath.Join(cache, "php/runtimes/*"))
	assert.Empty(t, unpacked, "without a shared store CACHE_DIR keeps the archives, not their trees")

	// A second build downloads no archive: they are kept by checksum and
	// unpacked again. Each build reads each manifest and its signature
	// once, and no .sha256.
	app2, _, err := repoBuild(t, srv, cache)
	require.NoError(t, err)
	for _, p := range []string{"/php/scalingo-26/php-8.4.22.tgz", "/nginx/scalingo-26/nginx-1.30.3.tgz", "/php/scalingo-26/composer-2.10.1.phar",
		"/php/scalingo-26/ext/20240924/php-gd.tgz"} {
		assert.Equal(t, 1, srv.hitCount(p), p)
		assert.Zero(t, srv.hitCount(p+".sha256"), p+".sha256")
	}
	for _, p := range []string{"/php/scalingo-26/manifest.json", "/php/scalingo-26/manifest.json.sig", "/nginx/scalingo-26/manifest.json", "/nginx/scalingo-26/manifest.json.sig"} {
		assert.Equal(t, 2, srv.hitCount(p), p)
	}
	assert.FileExists(t, filepath.Join(app2, "vendor/php/bin/php"))
	assert.FileExists(t, filepath.Join(app2, "vendor/php/etc/conf.d/gd.ini"))
}

// TestRepositoryRuntimeSharedStore: with a shared runtime store, the
// runtimes are unpacked once into it and placed into each slug by links;
// CACHE_DIR keeps none of them.
func TestRepositoryRuntimeSharedStore(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	cache, store := t.TempDir(), t.TempDir()
	app, run, err := repoBuildShared(t, srv, cache, store)
	require.NoError(t, err)
	// What the build installs is TestRepositoryRuntimeInstallAndCache's;
	// here, where it is kept.
	assert.FileExists(t, filepath.Join(app, "vendor/php/bin/php"))
	assert.Len(t, downloads(t, store), 4)
	assert.Empty(t, downloads(t, cache))
	assert.Equal(t, filepath.Join(cache, "composer"), run.Calls[len(run.Calls)-3].Env.Get("COMPOSER_CACHE_DIR"))

	keys, _ := filepath.Glob(filepath.Join(store, "php/php-8.4.22-sha256-*"))
	require.Len(t, keys, 1)
	old := time.Now().Add(-48 * time.Hour)
	require.NoError(t, os.Chtimes(keys[0], old, old))

	// A second build neither downloads nor unpacks: the runtimes' trees,
	// found by the checksums of the signed manifest, are placed from the
	// store.
	app2, _, err := repoBuildShared(t, srv, cache, store)
	require.NoError(t, err)
	for _, p := range []string{"/php/scalingo-26/php-8.4.22.tgz", "/nginx/scalingo-26/nginx-1.30.3.tgz", "/php/scalingo-26/composer-2.10.1.phar",
		"/php/scalingo-26/ext/20240924/php-gd.tgz"} {
		assert.Equal(t, 1, srv.hitCount(p), p)
	}
	assert.Equal(t, 2, srv.hitCount("/php/scalingo-26/manifest.json"))
	trees, _ := filepath.Glob(filepath.Join(store, "php/php-8.4.22-sha256-*/tree"))
	require.Len(t, trees, 1)
	assertSameFile(t, true, filepath.Join(trees[0], "bin/php"), filepath.Join(app2, "vendor/php/bin/php"))
	assertSameFile(t, false, filepath.Join(trees[0], "etc/php-fpm.conf"), filepath.Join(app2, "vendor/php/etc/php-fpm.conf"))
	assert.FileExists(t, filepath.Join(app2, "vendor/php/etc/conf.d/gd.ini"), "the extension is unpacked over the placed tree")
	assert.NoFileExists(t, filepath.Join(trees[0], "etc/conf.d/gd.ini"), "without reaching the store")
	fi, err := os.Stat(keys[0])
	require.NoError(t, err)
	assert.True(t, fi.ModTime().After(old.Add(time.Hour)), "placing the entry records its use in the entry directory's mtime")

	// A slug file rewritten in place (through the hard link) is noticed
	// and the tree unpacked again from the verified archive, without a
	// request.
	require.NoError(t, os.WriteFile(filepath.Join(app2, "vendor/php/bin/php"), []byte("corrupted by the app"), 0o755))
	app3, _, err := repoBuildShared(t, srv, cache, store)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(app3, "vendor/php/bin/php"))
	require.NoError(t, err)
	assert.Equal(t, "#!/bin/sh\n", string(b))
	assert.Equal(t, 1, srv.hitCount("/php/scalingo-26/php-8.4.22.tgz"))
}

// assertSameFile checks whether a and b are hard links to one file.
func assertSameFile(t *testing.T, same bool, a, b string) {
	t.Helper()
	fa, err := os.Stat(a)
	require.NoError(t, err)
	fb, err := os.Stat(b)
	require.NoError(t, err)
	assert.Equal(t, same, os.SameFile(fa, fb), "%s and %s", a, b)
}

// TestRepositoryTamperedArchiveCachesNothing: an archive changed after the
// repository was signed fails the build, naming it, and nothing of it is
// installed, cached or remembered.
func TestRepositoryTamperedArchiveCachesNothing(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	srv.put(t, "/nginx/scalingo-26/nginx-1.30.3.tgz", []byte("tampered"))
	cache := t.TempDir()
	app, _, err := repoBuild(t, srv, cache)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checksum mismatch")
	assert.Contains(t, err.Error(), "nginx 1.30.3 failed verification, nothing was installed or cached")
	assert.NoDirExists(t, filepath.Join(app, "vendor/nginx"))
	assert.Len(t, downloads(t, cache), 1, "only the verified PHP archive is cached")
	nginx, _ := filepath.Glob(filepath.Join(cache, "php/runtimes/nginx-*"))
	assert.Empty(t, nginx, "no unpacked nginx")
	memo, _ := os.ReadFile(filepath.Join(cache, "php/checksums.json"))
	assert.NotContains(t, string(memo), "nginx", "the checksum of the mismatching archive is not remembered")

	// With the .sha256 changed as well (what an attacker with write
	// access to the repository would do), the signed manifest still
	// catches it.
	srv.add(t, "/nginx/scalingo-26/nginx-1.30.3.tgz", []byte("tampered"))
	_, _, err = repoBuild(t, srv, cache)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nginx 1.30.3 failed verification")
}

// TestRepositoryTamperedManifestIsRefused: a manifest changed after it was
// signed (here: the nginx checksum replaced by the tampered archive's),
// signed by another key, unsigned, absent or for another stack is refused
// before anything is downloaded on its word.
func TestRepositoryTamperedManifestIsRefused(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	const manifest = "/nginx/scalingo-26/manifest.json"
	signed := srv.read(t, manifest)
	var m repo.Manifest
	require.NoError(t, json.Unmarshal(signed, &m))
	tampered := []byte("tampered")
	sum := sha256.Sum256(tampered)
	srv.put(t, manifest, bytes.Replace(signed, []byte(m.Artifacts[0].SHA256), []byte(hex.EncodeToString(sum[:])), 1))
	srv.put(t, "/nginx/scalingo-26/nginx-1.30.3.tgz", tampered)
	cache := t.TempDir()
	_, _, err := repoBuild(t, srv, cache)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "Refusing the runtime repository: the signature "+srv.URL+manifest+".sig does not match "+srv.URL+manifest+" with KILN_RUNTIME_PUBLIC_KEY (1 key)")
	assert.Contains(t, u.Hint, "kiln runtimes index")
	assert.Zero(t, srv.hitCount("/nginx/scalingo-26/nginx-1.30.3.tgz"), "nothing is downloaded on the word of an unverified manifest")
	memo, _ := os.ReadFile(filepath.Join(cache, "php/checksums.json"))
	assert.NotContains(t, string(memo), "nginx")

	// Signed by another key: refused the same way.
	srv.standard(t)
	other, _, err := repo.GenerateKey(nil)
	require.NoError(t, err)
	_, _, err = repoBuildEnv(t, srv, t.TempDir(), "", buildpack.Env{"KILN_RUNTIME_PUBLIC_KEY": repo.EncodePublicKey(other)})
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "Refusing the runtime repository")
	// While keys are rotated, either key is accepted.
	_, _, err = repoBuildEnv(t, srv, t.TempDir(), "", buildpack.Env{"KILN_RUNTIME_PUBLIC_KEY": repo.EncodePublicKey(other) + "," + srv.pub})
	require.NoError(t, err)

	// No signature: refused, saying what to set.
	srv.remove(t, "/php/scalingo-26/manifest.json.sig")
	_, _, err = repoBuild(t, srv, t.TempDir())
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "The runtime repository is not signed: "+srv.URL+"/php/scalingo-26/manifest.json.sig answered 404")
	assert.Contains(t, u.Hint, "KILN_RUNTIME_PUBLIC_KEY")
	assert.Contains(t, u.Hint, "KILN_RUNTIME_UNSIGNED=true")

	// No manifest at all (a repository of .sha256 files).
	srv.remove(t, "/php/scalingo-26/manifest.json")
	_, _, err = repoBuild(t, srv, t.TempDir())
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "The runtime repository has no manifest: "+srv.URL+"/php/scalingo-26/manifest.json answered 404")

	// The signed manifest of another stack.
	require.NoError(t, os.MkdirAll(filepath.Join(srv.root, "php/other"), 0o755))
	srv.index(t)
	for _, f := range []string{"manifest.json", "manifest.json.sig"} {
		srv.put(t, "/php/scalingo-26/"+f, srv.read(t, "/php/other/"+f))
	}
	_, _, err = repoBuild(t, srv, t.TempDir())
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "is for stack other, not scalingo-26")
}

// TestRepositoryUnsigned: KILN_RUNTIME_UNSIGNED=true builds from the
// .sha256 files, with a warning, and remembers the versioned runtimes'
// checksums; the signed mode does not use what it remembered.
func TestRepositoryUnsigned(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	srv.remove(t, "/php/scalingo-26/manifest.json")
	srv.remove(t, "/nginx/scalingo-26/manifest.json.sig")
	cache := t.TempDir()
	unsigned := buildpack.Env{"KILN_RUNTIME_UNSIGNED": "true", "KILN_RUNTIME_PUBLIC_KEY": ""}
	app, _, err := repoBuildEnv(t, srv, cache, "", unsigned)
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(app, "vendor/php/bin/php"))
	_, _, err = repoBuildEnv(t, srv, cache, "", unsigned)
	require.NoError(t, err)
	for _, p := range []string{"/php/scalingo-26/php-8.4.22.tgz", "/nginx/scalingo-26/nginx-1.30.3.tgz", "/php/scalingo-26/composer-2.10.1.phar"} {
		assert.Equal(t, 1, srv.hitCount(p), p)
		assert.Equal(t, 1, srv.hitCount(p+".sha256"), "%s.sha256: remembered after the first build", p)
	}
	assert.Equal(t, 2, srv.hitCount("/php/scalingo-26/ext/20240924/php-gd.tgz.sha256"))
	assert.Zero(t, srv.hitCount("/php/scalingo-26/manifest.json"))

	st, err := stacks.Load("scalingo-26")
	require.NoError(t, err)
	p, err := Buildpack{}.Plan(&buildpack.Context{AppDir: app, Env: repoEnv(srv).Merge(unsigned), Stack: st})
	require.NoError(t, err)
	assert.Contains(t, p.Warnings, unsignedWarning)
	assert.Equal(t, unsignedText, p.Settings[setChecksums])

	// Signed again with a new nginx archive of the same version: the
	// signed build takes its checksum from the manifest, not from what
	// the unsigned builds remembered.
	srv.add(t, "/nginx/scalingo-26/nginx-1.30.3.tgz", makeTgz(t, map[string]string{"sbin/nginx": "#!/bin/sh\n# rebuilt\n"}))
	srv.index(t)
	app, _, err = repoBuild(t, srv, cache)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(app, "vendor/nginx/sbin/nginx"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "rebuilt")
}

func TestRepositoryMissingArtifactIsAUserError(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	srv.remove(t, "/php/scalingo-26/php-8.4.22.tgz")
	srv.index(t)
	_, _, err := repoBuild(t, srv, t.TempDir())
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "PHP 8.4.22 is not in the runtime repository: its manifest "+srv.URL+"/php/scalingo-26/manifest.json lists no php-8.4.22.tgz")
	assert.Contains(t, u.Hint, "PHP_BASE_URL is "+srv.URL+"/php", "the hint names the setting and its value in effect")

	// Listed but not served.
	srv.standard(t)
	srv.remove(t, "/php/scalingo-26/php-8.4.22.tgz")
	_, _, err = repoBuild(t, srv, t.TempDir())
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "PHP 8.4.22 is not available")
	assert.Contains(t, u.Msg, "404")
	assert.Contains(t, u.Hint, "KILN_PHP_RUNTIME=system")

	// A repository that cannot be reached at all is explained too.
	srv.Close()
	_, _, err = repoBuild(t, srv, t.TempDir())
	u, ok = buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "Could not read the runtime repository's manifest: "+srv.URL+"/php/scalingo-26/manifest.json")
	assert.Contains(t, u.Hint, "NGINX_BASE_URL "+srv.URL+"/nginx")
}

func TestRepositoryMissingExtensionNamesIt(t *testing.T) {
	srv := newRepoServer(t)
	srv.standard(t)
	srv.remove(t, "/php/scalingo-26/ext/20240924/php-gd.tgz")
	srv.index(t)
	_, _, err := repoBuild(t, srv, t.TempDir())
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "PHP extension gd is not in the runtime repository")
	assert.Contains(t, u.Msg, "lists no ext/20240924/php-gd.tgz")
	assert.Contains(t, u.Hint, "remove ext-gd")
}

func TestAPMAgentInstallAndUnreachable(t *testing.T) {
	srv := newRepoServer(t)
	srv.add(t, "/agents/ddtrace.tgz", makeTgz(t, map[string]string{"ddtrace.so": "ELF", "ddtrace.ini": "datadog.trace.enabled = On\n"}))
	build := func(url string) (string, error) {
		b := compileSystem(t, map[string]string{"composer.json": `{"extra": {"paas": {"datadog": true}}}`, "composer.lock": `{}`},
			buildpack.Env{"KILN_DATADOG_URL": url}, nil)
		return b.app, b.err
	}
	app, err := build(srv.URL + "/agents/ddtrace.tgz")
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(app, "vendor/apm/ddtrace/ddtrace.so"))
	ini, err := os.ReadFile(filepath.Join(app, phpScanDir, "90-ddtrace.ini"))
	require.NoError(t, err)
	assert.Contains(t, string(ini), `extension = "${KILN_APP_DIR}/vendor/apm/ddtrace/ddtrace.so"`)
	assert.Contains(t, string(ini), "datadog.trace.enabled = On")

	_, err = build(srv.URL + "/agents/missing.tgz")
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "The Datadog agent could not be installed from "+srv.URL+"/agents/missing.tgz")
	assert.Contains(t, u.Hint, "KILN_DATADOG_URL")
}

func TestAPMVersionsChooseTheArchive(t *testing.T) {
	srv := newRepoServer(t)
	ext := "/php/scalingo-26/ext/20230831/"
	srv.add(t, ext+"php-ddtrace-1.5.1.tgz", makeTgz(t, map[string]string{"ddtrace.so": "ELF 1.5.1"}))
	srv.add(t, ext+"php-ddappsec.tgz", makeTgz(t, map[string]string{"ddappsec.so": "ELF"}))
	srv.add(t, ext+"php-scoutapm-1.10.0.tgz", makeTgz(t, map[string]string{"scoutapm.so": "ELF"}))
	srv.add(t, ext+"php-scoutapm.tgz", makeTgz(t, map[string]string{"scoutapm.so": "ELF latest"}))
	srv.index(t)
	files := map[string]string{"composer.json": `{"extra": {"paas": {"datadog": true, "scout": true}}}`, "composer.lock": `{}`}
	b := compileSystem(t, files, buildpack.Env{"PHP_BASE_URL": srv.URL + "/php", "KILN_RUNTIME_PUBLIC_KEY": srv.pub, "STACK": "scalingo-26",
		"DATADOG_TRACER_VERSION": "1.5.1", "DATADOG_APPSEC_VERSION": "latest", "SCOUT_APM_VERSION": "1.10.0"}, nil)
	require.NoError(t, b.err, b.out.String())
	so, err := os.ReadFile(filepath.Join(b.app, "vendor/apm/ddtrace/ddtrace.so"))
	require.NoError(t, err)
	assert.Equal(t, "ELF 1.5.1", string(so))
	ini, err := os.ReadFile(filepath.Join(b.app, phpScanDir, "91-ddappsec.ini"))
	require.NoError(t, err, "ASM loads after the tracer (90-ddtrace.ini)")
	assert.Contains(t, string(ini), `extension = "${KILN_APP_DIR}/vendor/apm/ddappsec/ddappsec.so"`)
	assert.Contains(t, string(ini), "datadog.appsec.enabled = On")
	ini, err = os.ReadFile(filepath.Join(b.app, phpScanDir, "90-scoutapm.ini"))
	require.NoError(t, err)
	assert.Contains(t, string(ini), `zend_extension = "${KILN_APP_DIR}/vendor/apm/scoutapm/scoutapm.so"`)
	assert.Equal(t, 1, srv.hitCount(ext+"php-ddtrace-1.5.1.tgz"))

	// DATADOG_TRACER_VERSION=0: no tracer and no ASM, nothing fetched.
	b = compileSystem(t, files, buildpack.Env{"PHP_BASE_URL": srv.URL + "/php", "KILN_RUNTIME_PUBLIC_KEY": srv.pub, "STACK": "scalingo-26",
		"DATADOG_TRACER_VERSION": "0", "DATADOG_APPSEC_VERSION": "latest"}, nil)
	require.NoError(t, b.err, b.out.String())
	assert.NoDirExists(t, filepath.Join(b.app, "vendor/apm/ddtrace"))
	assert.NoDirExists(t, filepath.Join(b.app, "vendor/apm/ddappsec"))
	assert.Equal(t, 1, srv.hitCount(ext+"php-ddappsec.tgz"))
	assert.Equal(t, "scout", b.plan.Settings[setAPM])

	// A version the repository lacks names the variable to change.
	files["composer.json"] = `{"extra": {"paas": {"scout": true}}}`
	b = compileSystem(t, files, buildpack.Env{"PHP_BASE_URL": srv.URL + "/php", "KILN_RUNTIME_PUBLIC_KEY": srv.pub, "STACK": "scalingo-26", "SCOUT_APM_VERSION": "9.9.9"}, nil)
	u, ok := buildpack.AsUserError(b.err)
	require.True(t, ok, "%v", b.err)
	assert.Contains(t, u.Hint, "SCOUT_APM_VERSION")
}
