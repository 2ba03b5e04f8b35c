package nodejs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

func TestNPMRCScopedRegistries(t *testing.T) {
	app := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte(
		"registry=https://main.example/\n@acme:registry = \"https://acme.example/npm/\"\n@env:registry=${REG}\n//acme.example/:_authToken=${TOKEN}\n"), 0o644))
	assert.Equal(t, map[string]string{"@acme": "https://acme.example/npm/"}, npmrcScopedRegistries(app))
	assert.Nil(t, npmrcScopedRegistries(t.TempDir()))
}

func TestOmitsDev(t *testing.T) {
	for cmd, want := range map[string]bool{
		"npm ci --include=dev":           false,
		"npm ci --omit=dev":              true,
		"npm install --production=true":  true,
		"npm install --production=false": false,
	} {
		c := &compiler{plan: buildpack.Plan{Steps: []buildpack.Step{{Name: stepNPMCI, Command: strings.Fields(cmd)}}}}
		assert.Equal(t, want, c.omitsDev(), cmd)
	}
}
