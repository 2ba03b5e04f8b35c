package php

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/runtimes/repo"
	"github.com/kiln-dev/kiln/stacks"
)

// planClassic plans the classic app fixture with env (and the embedded
// keys embedded).
func planClassic(t *testing.T, env buildpack.Env, embedded string) (buildpack.Plan, error) {
	t.Helper()
	st, err := stacks.Load("scalingo-26")
	require.NoError(t, err)
	return Buildpack{RuntimeKeys: embedded}.Plan(&buildpack.Context{AppDir: "../fixtures/php-classic", Env: env, Stack: st})
}

func TestPlanRepositoryKeys(t *testing.T) {
	pub, priv, err := repo.GenerateKey(nil)
	require.NoError(t, err)
	key := repo.EncodePublicKey(pub)
	base := buildpack.Env{"PHP_BASE_URL": "http://repo.example/php/"}

	p, err := planClassic(t, base.Merge(buildpack.Env{"KILN_RUNTIME_PUBLIC_KEY": key + "," + key}), "")
	require.NoError(t, err)
	assert.Equal(t, signedPrefix+"KILN_RUNTIME_PUBLIC_KEY (2 keys)", p.Settings[setChecksums])
	assert.Equal(t, "http://repo.example/php", p.Settings[setPHPBaseURL])
	assert.Equal(t, "http://repo.example/nginx", p.Settings[setNginxBaseURL], "NGINX_BASE_URL defaults to the sibling of .../php")
	set, err := decodeSettings(p.Settings)
	require.NoError(t, err)
	assert.Equal(t, "KILN_RUNTIME_PUBLIC_KEY (2 keys)", set.KeysFrom)

	// The key embedded at packaging time, unless the variable is set.
	p, err = planClassic(t, base, key)
	require.NoError(t, err)
	assert.Equal(t, signedPrefix+"the key embedded in this kiln (1 key)", p.Settings[setChecksums])

	for _, tc := range []struct {
		name, value, msg, hint string
	}{
		{"none", "", "The runtime repository's signature cannot be checked: KILN_RUNTIME_PUBLIC_KEY is not set", "KILN_RUNTIME_UNSIGNED=true"},
		{"private key", base64.StdEncoding.EncodeToString(priv), "KILN_RUNTIME_PUBLIC_KEY is not a list of runtime repository public keys: this is a private key", "kiln-runtimes.pub"},
		{"not base64", "not a key!", "not standard base64", "kiln runtimes keygen"},
		{"short", "c2hvcnQ=", "5 bytes long", "kiln runtimes keygen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planClassic(t, base.Merge(buildpack.Env{"KILN_RUNTIME_PUBLIC_KEY": tc.value}), "")
			u, ok := buildpack.AsUserError(err)
			require.True(t, ok, "%v", err)
			assert.Contains(t, u.Msg, tc.msg)
			assert.Contains(t, u.Hint, tc.hint)
			if tc.value != "" {
				assert.NotContains(t, u.Msg+u.Hint, tc.value, "the value is not repeated")
			}
		})
	}
	_, err = planClassic(t, base, "broken")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "embedded in this kiln at packaging time is unusable")

	// The system source downloads nothing from the repository: no key
	// needed.
	p, err = planClassic(t, buildpack.Env{"KILN_PHP_RUNTIME": "system"}, "")
	require.NoError(t, err)
	assert.Empty(t, p.Settings[setChecksums])
}

func TestPlanSystemAPMNeedsARepositoryOrURL(t *testing.T) {
	st, err := stacks.Load("scalingo-26")
	require.NoError(t, err)
	plan := func(env buildpack.Env) (buildpack.Plan, error) {
		env = buildpack.Env{"KILN_PHP_RUNTIME": "system"}.Merge(env)
		return Buildpack{}.Plan(&buildpack.Context{AppDir: "../fixtures/php-system-apm", Env: env, Stack: st})
	}
	_, err = plan(nil)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "The Datadog agent comes from the runtime repository, and no repository is configured: PHP_BASE_URL is not set")
	assert.Contains(t, u.Hint, "KILN_DATADOG_URL")

	// An agent from its own URL: its .sha256, no repository, no key.
	p, err := plan(buildpack.Env{"KILN_DATADOG_URL": "http://agents.example/ddtrace.tgz"})
	require.NoError(t, err)
	assert.Empty(t, p.Settings[setChecksums])
}
