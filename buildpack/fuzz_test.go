package buildpack

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLoadEnvDir reads an ENV_DIR holding one arbitrary file: the value is
// the content without its trailing newlines, a denied name is skipped and
// reported, and a secret's value never reaches the build output, whether
// it is printed whole or trimmed.
func FuzzLoadEnvDir(f *testing.F) {
	f.Add("NPM_TOKEN", []byte("s3cr3t-token\n"))
	f.Add("NODE_ENV", []byte("production"))
	f.Add("PATH", []byte("/evil"))
	f.Add("DB_PASSWORD", []byte("  spaced out \n\n"))
	f.Add("NPM_CONFIG_REGISTRY", []byte("https://user:hunter22@registry.example/\n"))
	f.Fuzz(func(t *testing.T, name string, value []byte) {
		if name == "" || name == "." || name == ".." || len(name) > 200 || strings.ContainsAny(name, "/\x00") {
			return // not a file name
		}
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), value, 0o600))
		env, skipped, err := LoadEnvDir(dir)
		require.NoError(t, err)
		if EnvDirDenied(name) {
			require.Equal(t, []string{name}, skipped)
			require.Empty(t, env)
			return
		}
		want := strings.TrimRight(string(value), "\n")
		require.Equal(t, Env{name: want}, env)

		var out bytes.Buffer
		log := NewLogger(&out, env.SecretValues())
		log.Info("value: %s", want)
		log.Info("trimmed: %s", strings.TrimSpace(want))
		shown := strings.ReplaceAll(out.String(), "[redacted]", "")
		secret := ""
		if IsSecretName(name) {
			secret = strings.TrimSpace(want)
		}
		if len(secret) >= 4 && !strings.Contains("[redacted]", secret) {
			require.NotContains(t, shown, secret, "the value of %s was printed", name)
		}
		for _, p := range URLPasswords(want) {
			if len(strings.TrimSpace(p)) >= 4 && !strings.Contains("[redacted]", p) {
				require.NotContains(t, shown, p, "a URL password in %s was printed", name)
			}
		}
	})
}
