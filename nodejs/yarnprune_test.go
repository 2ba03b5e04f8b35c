package nodejs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// TestYarnBerryPruningFixtures: every Yarn 2+ app is pruned by kiln's
// plugin, with or without the workspace-tools plugin, and with a vendored
// release whose version the plan cannot see.
func TestYarnBerryPruningFixtures(t *testing.T) {
	plan := func(fixture string, env map[string]string) (buildpack.Plan, error) {
		ctx := fixtureContext(t, filepath.Join("..", "fixtures", fixture))
		ctx.Env = ctx.Env.Merge(env)
		return Buildpack{}.Plan(ctx)
	}
	for _, fixture := range []string{"node-yarn3-no-workspace-tools", "node-yarn-berry-yarnpath", "node-yarn-berry"} {
		p, err := plan(fixture, nil)
		require.NoError(t, err, fixture)
		s := p.Step(stepPrune)
		assert.Equal(t, []string{"yarn", "kiln-prune"}, s.Command, fixture)
		assert.Equal(t, map[string]string{"YARN_PLUGINS": "$TMP/kiln-yarn-prune.cjs"}, s.Env, fixture)
	}
	p, err := plan("node-yarn3-skip-pruning", nil)
	require.NoError(t, err)
	assert.Empty(t, p.Step(stepPrune).Command)
}

// TestYarnPrunePluginWritten: the prune step writes the embedded plugin
// where YARN_PLUGINS points before Yarn runs.
func TestYarnPrunePluginWritten(t *testing.T) {
	var plugin []byte
	rec := &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
		b, err := os.ReadFile(c.Env["YARN_PLUGINS"])
		plugin = b
		return err
	}}
	_, err := compileSteps(t, "node-yarn3-no-workspace-tools", nil, t.TempDir(), t.TempDir(), rec, stepPrune)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"yarn", "kiln-prune"}}, rec.Commands())
	assert.Equal(t, yarnPrunePluginJS, plugin)
	assert.Contains(t, string(plugin), "'kiln-prune'")
}

func TestYarnTelemetrySetting(t *testing.T) {
	for _, tc := range []struct {
		name string
		pm   pmChoice
		want bool
	}{
		{"yarn 4", pmChoice{name: "yarn", berry: true, version: "4.9.2"}, true},
		{"yarn 2.4.3", pmChoice{name: "yarn", berry: true, version: "2.4.3"}, true},
		{"yarn 2.1.1", pmChoice{name: "yarn", berry: true, version: "2.1.1"}, false},
		{"yarn 2.0 rc", pmChoice{name: "yarn", berry: true, version: "2.0.0-rc.27"}, false},
		{"range: cli-dist", pmChoice{name: "yarn", berry: true, version: "^2"}, true},
		{"vendored 2.0 rc", pmChoice{name: "yarn", berry: true, version: "4.9.2", yarnPath: ".yarn/releases/yarn-2.0.0-rc.27.cjs"}, false},
		{"vendored 3", pmChoice{name: "yarn", berry: true, version: defaultYarn, yarnPath: ".yarn/releases/yarn-3.6.4.cjs"}, true},
		{"vendored, unknown", pmChoice{name: "yarn", berry: true, version: defaultYarn, yarnPath: ".yarn/releases/yarn.cjs"}, false},
	} {
		env := pmCacheEnv(buildpack.Env{}, tc.pm, "$CACHE/node")
		_, set := env["YARN_ENABLE_TELEMETRY"]
		assert.Equal(t, tc.want, set, tc.name)
		tc.pm.linker = "node-modules"
		_, set = pmCacheEnv(buildpack.Env{}, tc.pm, "$CACHE/node")["YARN_ENABLE_TELEMETRY"]
		assert.Equal(t, tc.want, set, tc.name+" (node-modules)")
	}
}

func TestYarnPackage(t *testing.T) {
	for v, want := range map[string]string{
		"1.22.22": "yarn", "1.x": "yarn", "2.0.0-rc.27": "yarn", "2.4.3": "yarn",
		"2.4.1": "@yarnpkg/cli-dist", "2.4.2": "@yarnpkg/cli-dist", "^2.4.0": "@yarnpkg/cli-dist",
		"3.8.7": "@yarnpkg/cli-dist", "4.9.2": "@yarnpkg/cli-dist",
	} {
		assert.Equal(t, want, yarnPackage(v), v)
	}
}
