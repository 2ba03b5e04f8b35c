package php

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/stacks"
)

// TestStepTableCoversThePlans plans every PHP fixture and checks that the
// step table knows how to carry out each step the planner lays out.
func TestStepTableCoversThePlans(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "fixtures", "php-*"))
	require.NoError(t, err)
	table := steps()
	seen := map[string]bool{}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "expected", "plan.json")); err != nil {
			continue // a fixture whose plan fails
		}
		env := buildpacktest.FixtureEnv(t, dir)
		st, err := stacks.Load(env.Get("STACK"))
		require.NoError(t, err, dir)
		var compiled []buildpack.Plan
		p, err := Buildpack{Assets: fakeAssets{compiled: &compiled}}.Plan(&buildpack.Context{AppDir: dir, Env: env, Stack: st, Log: buildpack.Discard()})
		require.NoError(t, err, dir)
		for _, s := range p.Steps {
			key, spec, ok := stepFor(table, s.Name)
			require.True(t, ok, "%s: step %s is not in the step table", dir, s.Name)
			seen[key] = true
			switch {
			case spec.part:
				assert.NotNil(t, p.Part(s.Name), "%s: step %s carries out a part", dir, s.Name)
			case len(s.Command) == 0:
				assert.NotNil(t, spec.builtin, "%s: step %s has no command and no built-in", dir, s.Name)
			default:
				assert.Nil(t, spec.builtin, "%s: built-in step %s has a command", dir, s.Name)
			}
		}
	}
	for key := range table {
		assert.True(t, seen[key], "no fixture plans the step %s", key)
	}
}

func TestStepForMatchesPrefixes(t *testing.T) {
	table := steps()
	key, spec, ok := stepFor(table, "compile-12")
	require.True(t, ok)
	assert.Equal(t, stepCompilePrefix, key)
	assert.True(t, spec.headerOnce)
	key, _, ok = stepFor(table, stepComposerInstall)
	require.True(t, ok)
	assert.Equal(t, stepComposerInstall, key)
	_, _, ok = stepFor(table, "compile")
	assert.False(t, ok)
	_, _, ok = stepFor(table, "no-such-step")
	assert.False(t, ok)
}

// TestCompileHeadersFollowTheTable checks the headers the table gives: the
// compile commands' header once for all of them.
func TestCompileHeadersFollowTheTable(t *testing.T) {
	b := compileSystem(t, map[string]string{"composer.json": `{"extra": {"paas": {"compile": ["echo one", "echo two"]}}}`, "composer.lock": `{}`}, nil, nil)
	require.NoError(t, b.err, b.out.String())
	out := b.out.String()
	assert.Equal(t, 1, strings.Count(out, "-----> Running compile commands\n"), out)
	assert.Contains(t, out, "-----> Installing application dependencies with Composer\n       No installed dependencies in the cache: installing")
	assert.Regexp(t, `(?s)Running compile commands\n +Running 'echo one'.*Running 'echo two'`, out)
}
