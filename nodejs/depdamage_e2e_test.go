package nodejs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestE2EDamagedSavedDependenciesFailTheBuild: a file of the saved
// node_modules changed in place after the build that saved it (through the
// slug that shares it) is restored damaged by the next build, which fails
// saying so instead of shipping it; the build after that installs afresh.
func TestE2EDamagedSavedDependenciesFailTheBuild(t *testing.T) {
	skipShort(t)
	t.Parallel()
	cache := t.TempDir()
	seedCache(t, cache)
	first := e2eApp(t, "node-e2e-npm")
	out, _, err := e2eBuild(t, first, cache, e2eEnv(nil))
	require.NoError(t, err, out)
	// The built app shares the saved files: damage one through it.
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, os.WriteFile(filepath.Join(first, "node_modules", "express", "index.js"), nil, 0o644))

	out, _, err = e2eBuild(t, e2eApp(t, "node-e2e-npm"), cache, e2eEnv(nil))
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v\n%s", err, out)
	assert.Contains(t, u.Msg, "The saved node_modules was damaged before this build: node_modules/express/index.js was changed after it was saved")

	third := e2eApp(t, "node-e2e-npm")
	out, _, err = e2eBuild(t, third, cache, e2eEnv(nil))
	require.NoError(t, err, out)
	assert.Contains(t, out, "Running npm ci")
	b, err := os.ReadFile(filepath.Join(third, "node_modules", "express", "index.js"))
	require.NoError(t, err)
	assert.NotEmpty(t, b, "express is whole again")
}
