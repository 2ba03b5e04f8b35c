package buildpack

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadEnvDir(t *testing.T) {
	dir := t.TempDir()
	for name, value := range map[string]string{
		"NODE_ENV":    "staging",
		"NPM_TOKEN":   "s3cr3t-token",
		"PATH":        "/evil",
		"LD_PRELOAD":  "/evil.so",
		"MULTI_LINE":  "a\nb\n",
		"EMPTY_VALUE": "",
		// Written by printf '%s\n', as platforms do.
		"NPM_CONFIG_PRODUCTION": "true\n",
		"TWO_NEWLINES":          "production\n\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(value), 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "subdir"), 0o755))

	env, skipped, err := LoadEnvDir(dir)
	require.NoError(t, err)
	assert.Equal(t, Env{"NODE_ENV": "staging", "NPM_TOKEN": "s3cr3t-token", "MULTI_LINE": "a\nb", "EMPTY_VALUE": "",
		"NPM_CONFIG_PRODUCTION": "true", "TWO_NEWLINES": "production"}, env, "trailing newlines removed, as $(cat FILE) does")
	assert.ElementsMatch(t, []string{"PATH", "LD_PRELOAD"}, skipped)

	_, _, err = LoadEnvDir(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}

func TestEnvHelpers(t *testing.T) {
	e := EnvFromList([]string{"A=1", "B=x=y", "C=", "=bad", "noequals", "A=2"})
	assert.Equal(t, Env{"A": "2", "B": "x=y", "C": ""}, e)
	assert.Equal(t, "fallback", e.Default("C", "fallback"))
	assert.Equal(t, "2", e.Default("A", "fallback"))
	v, ok := e.Lookup("C")
	assert.True(t, ok)
	assert.Equal(t, "", v)

	f := e.With("D", " TRUE ")
	assert.True(t, f.Bool("D"))
	assert.False(t, e.Bool("D"), "With must not modify the receiver")
	assert.Equal(t, []string{"A=2", "B=x=y", "C=", "D= TRUE "}, f.List())
}

func TestSecrets(t *testing.T) {
	for _, name := range []string{"NPM_TOKEN", "COMPOSER_AUTH", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "API_KEY", "MY_SECRET"} {
		assert.True(t, IsSecretName(name), name)
	}
	for _, name := range []string{"NODE_ENV", "PATH", "KEYBOARD", "NPM_CONFIG_PRODUCTION", "TOKENIZER_MODE"} {
		assert.False(t, IsSecretName(name), name)
	}
	assert.Equal(t, "[redacted]", Mask("NPM_TOKEN", "abc"))
	assert.Equal(t, "production", Mask("NODE_ENV", "production"))

	env := Env{"NPM_TOKEN": "tok-123456", "SHORT_TOKEN": "ab", "NODE_ENV": "production"}
	assert.Equal(t, []string{"tok-123456"}, env.SecretValues())
}
