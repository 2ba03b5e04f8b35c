package nodejs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestE2EFailureAdvice provokes, with the real npm, the failures kiln
// recognises and checks that the build prints npm's own error, then the
// advice, and fails with the command's status: a lockfile out of sync with
// package.json, a peer-dependency conflict, a build script needing a
// devDependency that NPM_CONFIG_PRODUCTION=true left out, a cleanup script
// needing one that was pruned, and a build script exhausting a small heap.
func TestE2EFailureAdvice(t *testing.T) {
	skipShort(t)
	for _, tc := range []struct {
		name   string
		edit   func(pkg map[string]any, app string)
		env    map[string]string
		step   string
		output string // npm's (or Node.js's) own error
		advice string
	}{
		{name: "lockfile out of sync", step: stepNPMCI,
			edit: func(pkg map[string]any, _ string) {
				pkg["dependencies"].(map[string]any)["isarray"] = "2.0.5"
			},
			output: "`npm ci` can only install packages when your package.json and package-lock.json",
			advice: " !     package-lock.json is out of sync with package.json, so npm ci refuses to install. Run `npm install`"},
		{name: "peer dependency conflict", step: stepNPMInstall,
			edit: func(pkg map[string]any, app string) {
				require.NoError(t, os.Remove(filepath.Join(app, "package-lock.json")))
				pkg["dependencies"] = map[string]any{"react": "17.0.2", "react-dom": "18.2.0"}
				delete(pkg, "devDependencies")
			},
			output: "ERESOLVE unable to resolve dependency tree",
			advice: " !     npm cannot satisfy the peer dependencies named above (ERESOLVE). Make the versions in package.json agree, or set NPM_CONFIG_LEGACY_PEER_DEPS=true"},
		{name: "devDependency not installed", step: stepBuild, env: map[string]string{"NPM_CONFIG_PRODUCTION": "true"},
			edit: func(pkg map[string]any, _ string) {
				pkg["scripts"].(map[string]any)["build"] = `node -e "require('semver')"`
			},
			output: "Cannot find module 'semver'",
			advice: " !     semver was not found: NPM_CONFIG_PRODUCTION=true keeps devDependencies out of the install, and semver is one. Unset NPM_CONFIG_PRODUCTION"},
		{name: "devDependency pruned", step: stepCleanup,
			edit: func(pkg map[string]any, _ string) {
				pkg["scripts"].(map[string]any)["scalingo-cleanup"] = `node -e "require('semver')"`
			},
			output: "Cannot find module 'semver'",
			advice: " !     semver was not found: devDependencies are pruned before this step, and semver is one. Move semver to dependencies"},
		{name: "heap out of memory", step: stepBuild,
			edit: func(pkg map[string]any, _ string) {
				pkg["scripts"].(map[string]any)["build"] = `node --max-old-space-size=16 -e "const a = []; for (;;) a.push(new Array(1e5).fill(1))"`
			},
			output: "JavaScript heap out of memory",
			advice: " !     Node.js ran out of heap memory. Raise its limit with NODE_OPTIONS=--max-old-space-size=<MB>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			seedCache(t, cache)
			app := e2eApp(t, "node-e2e-prune")
			path := filepath.Join(app, "package.json")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			var pkg map[string]any
			require.NoError(t, json.Unmarshal(b, &pkg))
			tc.edit(pkg, app)
			b, err = json.MarshalIndent(pkg, "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, b, 0o644))

			out, _, err := e2eBuild(t, app, cache, e2eEnv(tc.env))
			var ee *buildpack.ExitError
			require.ErrorAs(t, err, &ee, out)
			assert.Equal(t, tc.step, ee.Step)
			assert.NotZero(t, ee.Code)
			assertOrder(t, out, tc.output, tc.advice)
		})
	}
}
