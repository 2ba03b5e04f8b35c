package buildpack

import (
	"bytes"
	"io"
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

	// An env-dir value ends with a newline the output does not repeat.
	env = Env{"API_KEY": "k-98765\n"}
	assert.Equal(t, []string{"k-98765\n", "k-98765"}, env.SecretValues())

	// Credentials in URLs, whatever the variable's name.
	env = Env{"NPM_CONFIG_REGISTRY": "http://user:PASS%40word@registry.example/", "HOME_PAGE": "https://example.com/a:b@c", "X": "ftp://anonymous@host/"}
	assert.Equal(t, []string{"PASS%40word", "PASS@word"}, env.SecretValues())
	var buf bytes.Buffer
	r := NewRedactor(&buf, env.SecretValues())
	_, _ = io.WriteString(r, "GET http://user:PASS%40word@registry.example/node: 404\n")
	assert.Equal(t, "GET http://user:[redacted]@registry.example/node: 404\n", buf.String())
	assert.Equal(t, "the npm registry (http://user:[redacted]@registry.example/)", MaskURLs("the npm registry (http://user:PASS%40word@registry.example/)"))
	assert.Equal(t, "https://registry.npmjs.org/", MaskURLs("https://registry.npmjs.org/"))
	assert.Equal(t, "a https://u:[redacted]@h/ b", MaskURLs("a https://u:p:w@h/ b"))
}
