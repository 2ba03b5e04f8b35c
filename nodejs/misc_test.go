package nodejs

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

func TestCheckJSONPosition(t *testing.T) {
	doc := []byte("{\n  \"a\": 1,\n}\n")
	err := checkJSON("package.json", doc)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok)
	assert.Contains(t, u.Msg, "line 3, column 1")
	assert.Contains(t, checkJSON("x.json", []byte(`{"a":`)).Error(), "line 1, column 5")
}

func TestBundledNPMFromChangelog(t *testing.T) {
	log := strings.Join([]string{
		`<a id="24.2.0"></a>`, "* nothing about npm",
		`<a id="24.1.0"></a>`, "* **deps**: upgrade npm to 11.3.0", "* **deps**: upgrade npm to 11.4.1",
		`<a id="24.0.0"></a>`, "* **deps**: upgrade npm to 11.0.0",
	}, "\n")
	assert.Equal(t, "11.4.1", bundledNPMFromChangelog(log, "24.2.0"))
	assert.Equal(t, "11.4.1", bundledNPMFromChangelog(log, "24.1.0"))
	assert.Equal(t, "11.0.0", bundledNPMFromChangelog(log, "24.0.0"))
	assert.Equal(t, "", bundledNPMFromChangelog(log, "25.0.0"))
	assert.Equal(t, "11.16.0", bundledNPM("24.18.0"))
	assert.Equal(t, "10.9.8", bundledNPM("22.23.1"))
	assert.Equal(t, "", bundledNPM("1.0.0"))
}

func TestPlanAssets(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-hooks")
	p, err := Buildpack{}.PlanAssets(ctx)
	require.NoError(t, err)
	assert.Empty(t, p.Processes)
	var names []string
	for _, s := range p.Steps {
		names = append(names, s.Name)
		assert.True(t, ownsStep(s.Name))
	}
	assert.NotContains(t, names, stepWebConcurrency)
	assert.Contains(t, names, stepBuild)
	assert.Contains(t, names, stepPrune)
	assert.Equal(t, []string{"npm", "ci", "--include=dev", "--userconfig", "$APP/.npmrc"}, p.Step(stepNPMCI).Command)
}

func TestPlanIsPureAndDeterministic(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-yarn-berry")
	a, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	b, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestPackageManagerHash(t *testing.T) {
	dir := t.TempDir()
	tgz := filepath.Join(dir, "p.tgz")
	require.NoError(t, os.WriteFile(tgz, []byte("tarball"), 0o644))
	good := fmt.Sprintf("sha256.%x", sha256.Sum256([]byte("tarball")))
	require.NoError(t, verifyPMHash(good, tgz, dir))
	bad := fmt.Sprintf("sha256.%x", sha256.Sum256([]byte("other")))
	_, ok := buildpack.AsUserError(verifyPMHash(bad, tgz, dir))
	assert.True(t, ok)
}

func TestCacheSignatureChange(t *testing.T) {
	old := "kiln-nodejs-1; stack scalingo-24; node 24.17.0; npm 11.13.0; yarn -; pnpm -"
	cur := "kiln-nodejs-1; stack scalingo-26; node 24.18.0; npm 11.16.0; yarn -; pnpm -"
	assert.Equal(t, "the version of stack, node, npm", signatureChange(old, cur))
	assert.Equal(t, "the cache format", signatureChange("v2; x", cur))
}

// TestCacheSaveRestore saves node_modules, restores it into a fresh app,
// and drops everything but the dependency tree (which has its own key) when
// the signature changes.
func TestCacheSaveRestore(t *testing.T) {
	cache := t.TempDir()
	plan := func(sig string) buildpack.Plan {
		return buildpack.Plan{Caches: []string{"node_modules", "client/node_modules"}, Settings: map[string]string{setSignature: sig}}
	}
	run := func(app, step, sig string) string {
		var out bytes.Buffer
		p := plan(sig)
		p.Steps = []buildpack.Step{{Name: step}}
		ctx := &buildpack.Context{AppDir: app, CacheDir: cache, Env: buildpack.Env{}, Log: buildpack.NewLogger(&out, nil), Runner: &buildpacktest.RecordingRunner{}}
		require.NoError(t, Buildpack{}.Compile(ctx, p))
		return out.String()
	}
	app := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(app, "node_modules", "x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(app, "node_modules", "x", "index.js"), []byte("1"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(cache, "node", "npm-cache"), 0o755))
	assert.Contains(t, run(app, stepSaveCache, "sig 1"), "- node_modules")

	app2 := t.TempDir()
	out := run(app2, stepRestoreCache, "sig 1")
	assert.Contains(t, out, "- node_modules\n")
	assert.Contains(t, out, "- client/node_modules (not cached - skipping)")
	assert.Contains(t, out, "- npm-cache (package manager cache)")
	assert.FileExists(t, filepath.Join(app2, "node_modules", "x", "index.js"))

	require.NoError(t, os.MkdirAll(filepath.Join(cache, "node", "deps"), 0o755))
	out = run(t.TempDir(), stepRestoreCache, "sig 2")
	assert.Contains(t, out, "Cached directories were not restored")
	entries, err := os.ReadDir(filepath.Join(cache, "node"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "deps", entries[0].Name())
}

// TestMeteorBootstrap exercises the download-and-verify path against a
// local server: a wrong checksum fails and caches nothing; the right one
// installs the tool and a second build uses the cache.
func TestMeteorBootstrap(t *testing.T) {
	archive := tarGz(t, map[string]string{".meteor/meteor": "#!/bin/sh\necho meteor\n"})
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path != "/bootstrap/3.1.2/meteor-bootstrap-os.linux.x86_64.tar.gz" {
			http.NotFound(w, r)
			return
		}
		w.Write(archive)
	}))
	defer srv.Close()
	ctx := fixtureContext(t, "../fixtures/node-meteor")
	cache := t.TempDir()
	build := func(sum string) (string, error) {
		c := *ctx
		c.Env = ctx.Env.Merge(buildpack.Env{"METEOR_BOOTSTRAP_URL": srv.URL + "/bootstrap/", "METEOR_BOOTSTRAP_SHA256": sum})
		p, err := Buildpack{}.Plan(&c)
		require.NoError(t, err)
		c.AppDir = t.TempDir()
		assert.Equal(t, srv.URL+"/bootstrap/3.1.2/meteor-bootstrap-os.linux.x86_64.tar.gz", p.Settings[setMeteorURL])
		p.Steps = []buildpack.Step{*p.Step(stepMeteorInstall), *p.Step(stepMeteorStart)}
		var out bytes.Buffer
		c.CacheDir, c.Log, c.Runner = cache, buildpack.NewLogger(&out, nil), &buildpacktest.RecordingRunner{}
		err = Buildpack{}.Compile(&c, p)
		if err == nil {
			assert.FileExists(t, filepath.Join(c.AppDir, ".meteor-install/.meteor/meteor"))
			assert.FileExists(t, filepath.Join(c.AppDir, ".start-meteor-app"))
		}
		return out.String(), err
	}
	_, err := build(fmt.Sprintf("%x", sha256.Sum256([]byte("wrong"))))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checksum mismatch")
	left, _ := filepath.Glob(filepath.Join(cache, "runtimes", "meteor-*"))
	assert.Empty(t, left)

	_, err = build(fmt.Sprintf("%x", sha256.Sum256(archive)))
	require.NoError(t, err)
	n := hits
	out, err := build(fmt.Sprintf("%x", sha256.Sum256(archive)))
	require.NoError(t, err)
	assert.NotContains(t, out, "Using the Meteor tool from the runtime store", "without a shared store the archive is unpacked again")
	assert.Equal(t, n, hits, "from the archive CACHE_DIR keeps, without a download")

	// Another checksum: the stored tool is not used; the archive is
	// downloaded and fails verification.
	_, err = build(fmt.Sprintf("%x", sha256.Sum256([]byte("other"))))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checksum mismatch")
	assert.Equal(t, n+1, hits)
}

func TestMeteorCleanup(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-meteor")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	names := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		names[i] = s.Name
	}
	assert.Equal(t, []string{stepMeteorInstall, stepMeteorBuild, stepMeteorNPM, stepMeteorStart, stepMeteorCleanup},
		names[slices.Index(names, stepMeteorInstall):slices.Index(names, stepMeteorCleanup)+1])

	app := t.TempDir()
	for _, d := range []string{".meteor-install/.meteor", ".meteor/local/build", "node_modules/x", ".app-build/bundle"} {
		require.NoError(t, os.MkdirAll(filepath.Join(app, d), 0o755))
	}
	p.Steps = []buildpack.Step{*p.Step(stepMeteorCleanup)}
	ctx.AppDir, ctx.Runner, ctx.Log = app, &buildpacktest.RecordingRunner{}, buildpack.Discard()
	require.NoError(t, Buildpack{}.Compile(ctx, p))
	assert.NoDirExists(t, filepath.Join(app, ".meteor-install"))
	assert.NoDirExists(t, filepath.Join(app, ".meteor/local"))
	assert.NoDirExists(t, filepath.Join(app, "node_modules"))
	assert.DirExists(t, filepath.Join(app, ".meteor"))
	assert.DirExists(t, filepath.Join(app, ".app-build/bundle"))
}
