package nodejs

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2EOldPNPMPrunes builds and prunes apps of pnpm releases older than
// 8.15.6, whose prune rejects --ignore-scripts: pnpm 7 through a range
// (the command is settled once pnpm is installed) and pnpm 8.15.5 through
// packageManager (settled by the plan).
func TestE2EOldPNPMPrunes(t *testing.T) {
	skipShort(t)
	for _, tc := range []struct{ fixture, version string }{
		{"node-e2e-pnpm7", "7.33.7"},
		{"node-e2e-pnpm8", "8.15.5"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			seedCache(t, cache)
			app := e2eApp(t, tc.fixture)
			out, _, err := e2eBuild(t, app, cache, e2eEnv(nil))
			require.NoError(t, err, out)
			assert.Contains(t, out, "Running pnpm prune --prod --config.confirm-modules-purge=false")
			assert.NotContains(t, out, "--ignore-scripts")
			assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
			assert.Contains(t, serve(t, app, "npm start"), "built: true")
			assert.FileExists(t, filepath.Join(app, nodeDir, "lib", "node_modules", "pnpm", "package.json"))
			v, err := pnpmVersionIn(filepath.Join(app, nodeDir))
			require.NoError(t, err)
			assert.Equal(t, tc.version, v)
		})
	}
}
