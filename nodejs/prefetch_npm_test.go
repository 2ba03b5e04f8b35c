package nodejs

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// fakeRegistry serves packuments and tarballs of version 1.0.0 of each
// package, the scoped ones under /acme/, as the npm registry lays them out,
// with the cache headers of the npm registry, and records the paths asked.
type fakeRegistry struct {
	srv   *httptest.Server
	files map[string][]byte
	mu    sync.Mutex
	asked []string
}

func newFakeRegistry(t *testing.T, pkgs map[string]string) *fakeRegistry {
	r := &fakeRegistry{files: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.asked = append(r.asked, req.URL.EscapedPath())
		r.mu.Unlock()
		b, ok := r.files[req.URL.EscapedPath()]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	for name, extra := range pkgs {
		reg := r.srv.URL
		if strings.HasPrefix(name, "@acme/") {
			reg += "/acme"
		}
		manifest := fmt.Sprintf(`{"name":%q,"version":"1.0.0"%s}`, name, extra)
		tb := tarGz(t, map[string]string{"package/package.json": manifest})
		base := name[strings.LastIndex(name, "/")+1:]
		tarPath := strings.TrimPrefix(reg, r.srv.URL) + "/" + name + "/-/" + base + "-1.0.0.tgz"
		r.files[tarPath] = tb
		r.files[strings.TrimPrefix(reg, r.srv.URL)+"/"+strings.Replace(name, "/", "%2f", 1)] = fmt.Appendf(nil,
			`{"name":%q,"dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":%q,"version":"1.0.0"%s,"dist":{"tarball":%q,"integrity":%q}}}}`,
			name, name, extra, r.srv.URL+tarPath, sriOf(tb))
	}
	return r
}

func (r *fakeRegistry) tarball(name string) []byte {
	reg := ""
	if strings.HasPrefix(name, "@acme/") {
		reg = "/acme"
	}
	return r.files[reg+"/"+name+"/-/"+name[strings.LastIndex(name, "/")+1:]+"-1.0.0.tgz"]
}

// TestPrefetchServesOfflineNPM: a lockfile whose optional dependency has
// a package for another OS, and a scoped package from the registry .npmrc
// names for its scope, with and without "resolved" URLs: kiln fetches
// only what npm installs here (never the darwin package), verified, and the
// host's real npm ci --offline installs from that cache alone.
func TestPrefetchServesOfflineNPM(t *testing.T) {
	skipShort(t)
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the host npm is missing (CI installs it: see .ci/run)")
		}
		t.Skip("no host npm")
	}
	reg := newFakeRegistry(t, map[string]string{
		"tool":         `,"optionalDependencies":{"tool-darwin":"1.0.0","tool-linux":"1.0.0"}`,
		"tool-darwin":  `,"os":["darwin"]`,
		"tool-linux":   `,"os":["linux"],"cpu":["!s390x"]`,
		"@acme/widget": ``,
	})
	for _, withResolved := range []bool{true, false} {
		t.Run(fmt.Sprintf("resolved=%v", withResolved), func(t *testing.T) {
			entry := func(name, extra string) string {
				resolved := ""
				if withResolved {
					u := reg.srv.URL
					if strings.HasPrefix(name, "@acme/") {
						u += "/acme"
					}
					resolved = fmt.Sprintf(`"resolved":%q,`, u+"/"+name+"/-/"+name[strings.LastIndex(name, "/")+1:]+"-1.0.0.tgz")
				}
				return fmt.Sprintf(`"node_modules/%s":{"version":"1.0.0",%s"integrity":%q%s}`, name, resolved, sriOf(reg.tarball(name)), extra)
			}
			lock := `{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
				"":{"name":"app","version":"1.0.0","dependencies":{"tool":"1.0.0","@acme/widget":"1.0.0"}},` +
				entry("tool", `,"optionalDependencies":{"tool-darwin":"1.0.0","tool-linux":"1.0.0"}`) + "," +
				entry("tool-darwin", `,"optional":true,"os":["darwin"]`) + "," +
				entry("tool-linux", `,"optional":true,"os":["linux"],"cpu":["!s390x"]`) + "," +
				entry("@acme/widget", "") + "}}"
			app := t.TempDir()
			for name, content := range map[string]string{
				"package.json":      `{"name":"app","version":"1.0.0","dependencies":{"tool":"1.0.0","@acme/widget":"1.0.0"}}`,
				"package-lock.json": lock,
				".npmrc":            "@acme:registry=" + reg.srv.URL + "/acme/\n",
			} {
				require.NoError(t, os.WriteFile(filepath.Join(app, name), []byte(content), 0o644))
			}
			npmCache := t.TempDir()
			p := buildpack.Plan{
				Steps: []buildpack.Step{
					{Name: stepEnvironment, Env: map[string]string{"NPM_CONFIG_CACHE": npmCache}},
					{Name: stepPrefetch},
					{Name: stepNPMCI, Command: []string{"npm", "ci", "--include=dev"}},
				},
				Settings: map[string]string{setLockfile: "package-lock.json", setRegistry: reg.srv.URL + "/"},
			}
			var out bytes.Buffer
			report := &buildpack.Report{}
			ctx := &buildpack.Context{AppDir: app, CacheDir: t.TempDir(), Env: e2eEnv(nil), Log: buildpack.NewLogger(&out, nil),
				Runner: &buildpacktest.RecordingRunner{}, Report: report}
			c := &compiler{ctx: ctx, plan: p, set: decoded(t, p), env: ctx.Env, log: ctx.Log}
			require.NoError(t, c.environment(p.Steps[0]))
			reg.mu.Lock()
			reg.asked = nil
			reg.mu.Unlock()
			require.NoError(t, c.prefetchPackages(p.Steps[1]))
			c.awaitPrefetch()
			require.Contains(t, out.String(), "Fetched 3 of 3 packages", out.String())
			assert.Contains(t, out.String(), "Left out 1 packages npm does not install here (1 optional ones for other platforms, 0 devDependencies)")
			for _, a := range reg.asked {
				assert.NotContains(t, a, "darwin")
			}
			stats := report.Summary().Prefetch
			require.NotNil(t, stats)
			assert.Equal(t, 3, stats.Packages)
			assert.Equal(t, 1, stats.Skipped["other_platform"])

			cmd := exec.Command(npm, "ci", "--offline", "--cache", npmCache, "--no-audit", "--no-fund", "--userconfig", filepath.Join(app, ".npmrc"))
			cmd.Dir = app
			cmd.Env = append(e2eEnv(nil).List(), "npm_config_registry="+reg.srv.URL+"/")
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, string(b))
			for _, name := range []string{"tool", "tool-linux", "@acme/widget"} {
				assert.FileExists(t, filepath.Join(app, "node_modules", name, "package.json"))
			}
			assert.NoDirExists(t, filepath.Join(app, "node_modules", "tool-darwin"))
		})
	}
}
