package php

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

func TestLockPHPRequirements(t *testing.T) {
	var pj project
	require.NoError(t, json.Unmarshal([]byte(`{
		"packages": [{"name": "a/a", "require": {"php": ">=8.1"}}, {"name": "b/b", "require": {"ext-json": "*"}}],
		"packages-dev": [{"name": "d/d", "require": {"php": "<8.3"}}],
		"platform": []}`), &pj.Lock))
	assert.Equal(t, []lockRequirement{{"a/a", ">=8.1"}}, lockPHPRequirements(&pj, false), "an empty platform array is no requirement")
	assert.Equal(t, []lockRequirement{{"a/a", ">=8.1"}, {"d/d", "<8.3"}}, lockPHPRequirements(&pj, true), "dev packages count when installed")
	pj.Lock.Platform = json.RawMessage(`{"php": "^8.2"}`)
	assert.Equal(t, "the root (composer.lock platform.php)", lockPHPRequirements(&pj, false)[0].Who)
}

func TestFitLock(t *testing.T) {
	st, err := stacks.Load("scalingo-26")
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		req     string
		reqs    []lockRequirement
		want    string
		changed bool
		err     string
	}{
		"accepted":           {req: "^8.2", reqs: []lockRequirement{{"a/a", "^8.0"}}, want: "8.4"},
		"capped":             {req: "^8.2", reqs: []lockRequirement{{"a/a", "^8.0"}, {"b/b", "<8.4"}}, want: "8.3", changed: true},
		"two caps":           {req: "", reqs: []lockRequirement{{"a/a", "<8.4"}, {"b/b", "~8.2.0"}}, want: "8.2", changed: true},
		"unparsable is left": {req: "", reqs: []lockRequirement{{"a/a", "not a constraint"}}, want: "8.4"},
		"conflict":           {req: "~8.4.0", reqs: []lockRequirement{{"a/a", "<8.4"}}, err: `composer.lock, where a/a requires php "<8.4"`},
		"nothing on stack":   {req: "", reqs: []lockRequirement{{"a/a", "^7.4"}}, err: `no PHP request and composer.lock`},
	} {
		t.Run(name, func(t *testing.T) {
			r := stacks.Request{Value: tc.req, Source: "composer.json require.php"}
			res, err := st.ResolvePHP(r)
			require.NoError(t, err)
			rt := buildpack.Runtime{Name: "php", Version: res.Version, Requested: tc.req, Source: r.Source}
			note, err := fitLock(st, &rt, r, tc.reqs)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, newestOf(t, st, tc.want), rt.Version)
			assert.Equal(t, tc.changed, note != "", note)
		})
	}
}

// newestOf returns the newest version of a PHP line of the stack.
func newestOf(t *testing.T, st *stacks.Stack, line string) string {
	t.Helper()
	for _, l := range st.PHP.Lines {
		if l.Name == line {
			return l.Newest()
		}
	}
	t.Fatalf("no PHP %s line on %s", line, st.Name)
	return ""
}
