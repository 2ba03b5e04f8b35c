package nodejs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNPMRCScopedRegistries(t *testing.T) {
	app := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte(
		"registry=https://main.example/\n@acme:registry = \"https://acme.example/npm/\"\n@env:registry=${REG}\n//acme.example/:_authToken=${TOKEN}\n"), 0o644))
	assert.Equal(t, map[string]string{"@acme": "https://acme.example/npm/"}, npmrcScopedRegistries(app))
	assert.Nil(t, npmrcScopedRegistries(t.TempDir()))
}
