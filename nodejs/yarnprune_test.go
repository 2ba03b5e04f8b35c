package nodejs

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

func TestCheckFocus(t *testing.T) {
	focus := []string{"yarn", "workspaces", "focus", "--all", "--production"}
	for _, tc := range []struct {
		name string
		pm   pmChoice
		ok   bool
	}{
		{"yarn 4", pmChoice{name: "yarn", berry: true, version: "4.9.2"}, true},
		{"yarn 3 without plugin", pmChoice{name: "yarn", berry: true, version: "3.8.7"}, false},
		{"yarn 3 with plugin", pmChoice{name: "yarn", berry: true, version: "3.8.7", workspaceTools: true}, true},
		{"yarn 2 range", pmChoice{name: "yarn", berry: true, version: "^2.4.0"}, false},
		{"vendored yarn 3", pmChoice{name: "yarn", berry: true, version: defaultYarn, yarnPath: ".yarn/releases/yarn-3.6.4.cjs"}, false},
		{"vendored yarn 4", pmChoice{name: "yarn", berry: true, version: defaultYarn, yarnPath: ".yarn/releases/yarn-4.1.0.cjs"}, true},
		{"vendored, version unknown", pmChoice{name: "yarn", berry: true, version: defaultYarn, yarnPath: ".yarn/releases/yarn.cjs"}, true},
		{"yarn 1", pmChoice{name: "yarn", version: defaultYarn}, true},
	} {
		err := tc.pm.checkFocus(focus)
		if tc.ok {
			assert.NoError(t, err, tc.name)
			continue
		}
		u, ok := buildpack.AsUserError(err)
		if assert.True(t, ok, tc.name) {
			assert.Contains(t, u.Msg, "workspace-tools plugin")
			assert.Contains(t, u.Hint, "YARN2_SKIP_PRUNING=true")
		}
	}
}

// TestYarn3PruningFixtures: without the plugin the plan fails unless pruning
// is skipped; with it (and a vendored Yarn 3) it prunes with focus.
func TestYarn3PruningFixtures(t *testing.T) {
	plan := func(fixture string, env map[string]string) (buildpack.Plan, error) {
		ctx := fixtureContext(t, filepath.Join("..", "fixtures", fixture))
		ctx.Env = ctx.Env.Merge(env)
		return Buildpack{}.Plan(ctx)
	}
	_, err := plan("node-yarn3-no-workspace-tools", nil)
	assert.Error(t, err)
	_, err = plan("node-yarn3-no-workspace-tools", map[string]string{"NODE_ENV": "staging"})
	assert.NoError(t, err, "nothing is pruned outside production")
	p, err := plan("node-yarn3-skip-pruning", nil)
	require.NoError(t, err)
	assert.Empty(t, p.Step(stepPrune).Command)
	p, err = plan("node-yarn-berry-yarnpath", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"yarn", "workspaces", "focus", "--all", "--production"}, p.Step(stepPrune).Command)
}
