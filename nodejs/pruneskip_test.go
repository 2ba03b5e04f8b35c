package nodejs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

func TestPruneSkippable(t *testing.T) {
	app := t.TempDir()
	assert.True(t, pruneSkippable(app, buildpack.Env{}))
	assert.False(t, pruneSkippable(app, buildpack.Env{"NPM_CONFIG_OMIT": "optional"}))
	assert.False(t, pruneSkippable(app, buildpack.Env{"npm_config_only": "prod"}))
	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte("omit[]=optional\n"), 0o644))
	assert.False(t, pruneSkippable(app, buildpack.Env{}))
	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte("registry=https://r.example/\n"), 0o644))
	assert.True(t, pruneSkippable(app, buildpack.Env{}))
}
