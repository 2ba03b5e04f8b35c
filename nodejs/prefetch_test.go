package nodejs

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/depcache"
	"github.com/kiln-dev/kiln/nodejs/prefetch"
)

func sriOf(b []byte) string {
	s := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(s[:])
}

// registryOf serves tarballs by path and counts requests.
func registryOf(t *testing.T, files map[string][]byte) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestPrefetchBeforeInstall: the tarballs are in npm's content store when
// npm ci starts; a tarball whose bytes do not match its integrity, or that
// the registry does not have, is left to npm; a rebuild downloads nothing.
func TestPrefetchBeforeInstall(t *testing.T) {
	good, other, bad := []byte("good tarball"), []byte("other tarball"), []byte("tampered")
	srv, hits := registryOf(t, map[string][]byte{"/good.tgz": good, "/other.tgz": other, "/bad.tgz": bad})
	lock := fmt.Sprintf(`{"lockfileVersion":3,"packages":{"":{},
		"node_modules/good":{"resolved":%q,"integrity":%q},
		"node_modules/other":{"resolved":%q,"integrity":%q},
		"node_modules/bad":{"resolved":%q,"integrity":%q},
		"node_modules/gone":{"resolved":%q,"integrity":%q}}}`,
		srv.URL+"/good.tgz", sriOf(good), srv.URL+"/other.tgz", sriOf(other),
		srv.URL+"/bad.tgz", sriOf([]byte("the real one")), srv.URL+"/gone.tgz", sriOf([]byte("gone")))
	npmCache := t.TempDir()
	p := buildpack.Plan{
		Steps: []buildpack.Step{
			{Name: stepEnvironment, Env: map[string]string{"NPM_CONFIG_CACHE": npmCache}},
			{Name: stepPrefetch},
			{Name: stepNPMCI, Command: []string{"npm", "ci"}},
		},
		Settings: map[string]string{setLockfile: "package-lock.json", setRegistry: "https://registry.npmjs.org/"},
	}
	path := func(b []byte) string {
		sum, err := fetch.SRI(sriOf(b))
		require.NoError(t, err)
		return prefetch.CachePath(npmCache, sum)
	}
	build := func() string {
		app := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(lock), 0o644))
		var inCache []bool
		runner := &buildpacktest.RecordingRunner{Stub: func(buildpack.Cmd) error {
			for _, b := range [][]byte{good, other, bad} {
				_, err := os.Stat(path(b))
				inCache = append(inCache, err == nil)
			}
			return nil
		}}
		var out bytes.Buffer
		ctx := &buildpack.Context{AppDir: app, CacheDir: t.TempDir(), Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil), Runner: runner}
		require.NoError(t, Buildpack{}.Compile(ctx, p), out.String())
		assert.Equal(t, []bool{true, true, false}, inCache, "when npm ci starts")
		return out.String()
	}
	out := build()
	assertOrder(t, out, "Fetching the 4 packages of package-lock.json missing from the npm cache in the background",
		"Fetched 2 of 4 packages", "2 could not be fetched ahead; npm downloads them", "Running npm ci")
	b, err := os.ReadFile(path(good))
	require.NoError(t, err)
	assert.Equal(t, good, b)
	left, _ := filepath.Glob(filepath.Join(npmCache, "_cacache", "content-v2", "sha512", "*", "*", ".part-*"))
	assert.Empty(t, left, "no partial files")

	before := hits.Load()
	out = build()
	assert.Contains(t, out, "Fetching the 2 packages")
	assert.Equal(t, before+2, hits.Load(), "only the two missing ones are asked for again")
}

// TestPrefetchedCacheServesRealNPM downloads the e2e app's tarballs from
// the npm registry into an empty cache the way a build does, then has the
// host's real npm install the app offline from that cache alone.
func TestPrefetchedCacheServesRealNPM(t *testing.T) {
	skipShort(t)
	t.Parallel()
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the host npm is missing (CI installs it: see .ci/run)")
		}
		t.Skip("no host npm")
	}
	app := e2eApp(t, "node-e2e-npm")
	npmCache := t.TempDir()
	p := buildpack.Plan{
		Steps: []buildpack.Step{
			{Name: stepEnvironment, Env: map[string]string{"NPM_CONFIG_CACHE": npmCache}},
			{Name: stepPrefetch},
		},
		Settings: map[string]string{setLockfile: "package-lock.json", setRegistry: npmRegistry(app, e2eEnv(nil))},
	}
	var out bytes.Buffer
	ctx := &buildpack.Context{AppDir: app, CacheDir: t.TempDir(), Env: e2eEnv(nil), Log: buildpack.NewLogger(&out, nil), Runner: &buildpacktest.RecordingRunner{}}
	c := &compiler{ctx: ctx, plan: p, set: decoded(t, p), env: ctx.Env, log: ctx.Log}
	require.NoError(t, c.environment(p.Steps[0]))
	require.NoError(t, c.prefetchPackages(p.Steps[1]))
	c.awaitPrefetch()
	require.Contains(t, out.String(), "Fetched 69 of 69 packages", out.String())

	cmd := exec.Command(npm, "ci", "--offline", "--cache", npmCache, "--no-audit", "--no-fund")
	cmd.Dir = app
	cmd.Env = append(e2eEnv(nil).List(), "npm_config_userconfig="+filepath.Join(t.TempDir(), "none"))
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	assert.FileExists(t, filepath.Join(app, "node_modules", "express", "package.json"))
}

// TestPrefetchSurvivesAClearedCache: when the cache signature changed, the
// restore step clears the npm cache while the download into it may still
// run; it is stopped first and started again, so the tarballs are there
// when npm ci starts and the clearing does not fail.
func TestPrefetchSurvivesAClearedCache(t *testing.T) {
	tarballs := map[string][]byte{}
	lock := `{"lockfileVersion":3,"packages":{"":{}`
	for i := range 6 {
		b := []byte(fmt.Sprintf("tarball %d", i))
		tarballs[fmt.Sprintf("/t%d.tgz", i)] = b
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.Write(tarballs[r.URL.Path])
	}))
	t.Cleanup(slow.Close)
	for i := range 6 {
		lock += fmt.Sprintf(`,"node_modules/t%d":{"resolved":"%s/t%d.tgz","integrity":%q}`, i, slow.URL, i, sriOf(tarballs[fmt.Sprintf("/t%d.tgz", i)]))
	}
	lock += "}}"
	cache := t.TempDir()
	root := filepath.Join(cache, "node")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "npm-cache", "_cacache", "index-v5"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "signature"), []byte("older"), 0o644))
	npmCache := filepath.Join(root, "npm-cache")
	p := buildpack.Plan{
		Steps: []buildpack.Step{
			{Name: stepEnvironment, Env: map[string]string{"NPM_CONFIG_CACHE": npmCache}},
			{Name: stepPrefetch},
			{Name: stepRestoreCache},
			{Name: stepNPMCI, Command: []string{"npm", "ci"}},
		},
		Settings: map[string]string{setLockfile: "package-lock.json", setSignature: "newer"},
	}
	app := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(lock), 0o644))
	missing := -1
	runner := &buildpacktest.RecordingRunner{Stub: func(buildpack.Cmd) error {
		missing = 0
		for _, b := range tarballs {
			sum, _ := fetch.SRI(sriOf(b))
			if _, err := os.Stat(prefetch.CachePath(npmCache, sum)); err != nil {
				missing++
			}
		}
		return nil
	}}
	var out bytes.Buffer
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil), Runner: runner}
	require.NoError(t, Buildpack{}.Compile(ctx, p), out.String())
	assert.Equal(t, 0, missing, out.String())
	assertOrder(t, out.String(), "Fetching the 6 packages", "Cached directories were not restored", "Fetching the 6 packages", "Fetched 6 of 6 packages")
	assert.NoDirExists(t, filepath.Join(npmCache, "_cacache", "index-v5"), "the old npm cache was cleared")
}

// TestPrefetchSkippedWhenDependenciesWillBeRestored: when the saved
// node_modules matches the dependency key, the install step will restore
// it, so the prefetch neither looks into the npm cache nor downloads.
func TestPrefetchSkippedWhenDependenciesWillBeRestored(t *testing.T) {
	tarball := []byte("tarball t0")
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write(tarball)
	}))
	t.Cleanup(srv.Close)
	app := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.MkdirAll(app, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"a","version":"1.0.0","engines":{"node":"24.x"},"dependencies":{"t0":"1.0.0"}}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(fmt.Sprintf(
		`{"lockfileVersion":3,"packages":{"":{"name":"a","version":"1.0.0","dependencies":{"t0":"1.0.0"}},"node_modules/t0":{"version":"1.0.0","resolved":"%s/t0.tgz","integrity":%q}}}`,
		srv.URL, sriOf(tarball))), 0o644))
	ctx := fixtureContext(t, app)
	ctx.CacheDir = t.TempDir()
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, p.Settings[setDepKeyFiles])
	c := &compiler{ctx: ctx, plan: p, set: decoded(t, p), env: ctx.Env, log: buildpack.Discard()}
	require.NoError(t, c.environment(p.Steps[0]))
	npmCache, _ := lookupAny(c.env, "NPM_CONFIG_CACHE")

	prefetch := func() int32 {
		requests.Store(0)
		require.NoError(t, os.RemoveAll(npmCache))
		c.startPrefetch(false)
		c.awaitPrefetch()
		return requests.Load()
	}
	assert.Equal(t, int32(1), prefetch(), "nothing saved: fetched")

	var install []string
	for _, s := range p.Steps {
		if isInstallStep(s.Name) {
			install = s.Command
		}
	}
	key, err := computeDepKey(app, c.nodeHome(), p, c.set, c.env, install)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules", "t0"), 0o755))
	saved := depcache.New(depcache.Options{App: app, CacheDir: ctx.CacheDir})
	saved.SaveNow(key, nil)
	saved.Close()
	assert.Equal(t, int32(0), prefetch(), "node_modules will be restored: nothing fetched")

	require.NoError(t, os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(fmt.Sprintf(
		`{"lockfileVersion":3,"packages":{"":{"name":"a","version":"1.0.0","dependencies":{"t0":"1.0.0"}},"node_modules/t0":{"version":"1.0.0","resolved":"%s/t0.tgz?changed","integrity":%q}}}`,
		srv.URL, sriOf(tarball))), 0o644))
	assert.Equal(t, int32(1), prefetch(), "the lockfile changed: fetched")
}
