package nodejs

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// TestEnginesYarnWithoutLockfileIsNPM: engines.yarn alone does not make a
// Yarn app; npm installs, with a warning.
func TestEnginesYarnWithoutLockfileIsNPM(t *testing.T) {
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", "node-yarn-engines-no-lockfile"))
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.NotNil(t, p.Step(stepNPMInstall))
	assert.Nil(t, p.Step(stepYarnInstall))
	assert.Nil(t, p.Runtime("yarn"))
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "no yarn.lock: installing with npm")
}

func TestExpandNpmrc(t *testing.T) {
	env := buildpack.Env{"NPM_REGISTRY": "https://npm.example.com/", "EMPTY": ""}
	for in, want := range map[string][2]string{
		"${NPM_REGISTRY}":            {"https://npm.example.com/", ""},
		"https://${UNSET?}x.com/":    {"https://x.com/", ""},
		"${UNSET}":                   {"${UNSET}", "UNSET"},
		`\${NPM_REGISTRY}`:           {"${NPM_REGISTRY}", ""},
		`\\${NPM_REGISTRY}`:          {`\https://npm.example.com/`, ""},
		`\\\${NPM_REGISTRY}`:         {`\${NPM_REGISTRY}`, ""},
		"${EMPTY}https://a.example/": {"https://a.example/", ""},
		"https://plain.example/":     {"https://plain.example/", ""},
	} {
		out, missing := expandNpmrc(in, env)
		assert.Equal(t, want[0], out, in)
		assert.Equal(t, want[1], missing, in)
	}
}

// TestNpmrcRegistryFromEnv: registry=${NPM_REGISTRY} is the registry kiln
// downloads from; unset, the plan fails and says which variable to set.
func TestNpmrcRegistryFromEnv(t *testing.T) {
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", "node-npmrc-registry-env"))
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.Equal(t, "https://npm.example.com/", p.Settings[setRegistry])
	ctx.Env = buildpack.Env{}
	_, err = Buildpack{}.Plan(ctx)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, ".npmrc sets registry from ${NPM_REGISTRY}, but NPM_REGISTRY is not set")
	ctx.Env = buildpack.Env{"NPM_CONFIG_REGISTRY": "https://other.example.com"}
	p, err = Buildpack{}.Plan(ctx)
	require.NoError(t, err, "NPM_CONFIG_REGISTRY wins over .npmrc")
	assert.Equal(t, "https://other.example.com/", p.Settings[setRegistry])
}

func TestNpmrcTokens(t *testing.T) {
	app := t.TempDir()
	rc := "registry=https://npm.example.com/\n" +
		"//npm.example.com/:_authToken=${NPM_TOKEN}\n" +
		"//npm.example.com/private/:_authToken=\"literal\"\n" +
		"//other.example.com/:_authToken=${UNSET}\n" +
		"@scope:registry=https://x.example/\n"
	require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte(rc), 0o644))
	tokens := npmrcTokens(app, buildpack.Env{"NPM_TOKEN": "t0k"})
	assert.Equal(t, map[string]string{"//npm.example.com/": "t0k", "//npm.example.com/private/": "literal"}, tokens)
	for u, want := range map[string]string{
		"https://npm.example.com/pnpm/10.0.0":          "t0k",
		"https://npm.example.com/private/pkg/-/a.tgz":  "literal",
		"https://npm.example.com.evil.example/pnpm":    "",
		"https://cdn.example.com/npm.example.com/pnpm": "",
	} {
		parsed, err := url.Parse(u)
		require.NoError(t, err)
		assert.Equal(t, want, tokenFor(tokens, parsed), u)
	}
	assert.Equal(t, "the .npmrc _authToken of //npm.example.com/, //npm.example.com/private/ is sent with kiln's own downloads from there", registryAuthText(tokens))
	assert.NotContains(t, registryAuthText(tokens), "t0k")
}
