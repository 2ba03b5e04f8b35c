package nodejs

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// recordedBuild plans a fixture with extra variables and compiles only the
// steps that do not need the network, recording the commands.
func recordedBuild(t *testing.T, fixture string, env map[string]string) (*buildpacktest.RecordingRunner, buildpack.Plan, string) {
	t.Helper()
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", fixture))
	ctx.Env = ctx.Env.Merge(env).With("PATH", "/usr/bin")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	var steps []buildpack.Step
	for _, s := range p.Steps {
		if len(s.Command) > 0 || s.Name == stepEnvironment || s.Name == stepPrune {
			steps = append(steps, s)
		}
	}
	p.Steps = steps
	rec := &buildpacktest.RecordingRunner{}
	ctx.Runner = rec
	ctx.CacheDir = t.TempDir()
	ctx.Log = buildpack.Discard()
	require.NoError(t, Buildpack{}.Compile(ctx, p))
	return rec, p, ctx.AppDir
}

func TestCompileCommands(t *testing.T) {
	userconfig := func(app string) []string { return []string{"--userconfig", app + "/.npmrc"} }
	tests := []struct {
		fixture string
		env     map[string]string
		want    func(app string) [][]string
	}{
		{"node-hooks", nil, func(app string) [][]string {
			return [][]string{
				{"npm", "run", "scalingo-prebuild"},
				append([]string{"npm", "ci", "--include=dev"}, userconfig(app)...),
				{"npm", "run", "scalingo-postbuild"},
				append([]string{"npm", "prune", "--omit=dev"}, userconfig(app)...),
				{"npm", "run", "scalingo-cleanup"},
			}
		}},
		{"node-npm-install-no-lockfile", nil, func(app string) [][]string {
			return [][]string{
				append([]string{"npm", "install", "--include=dev"}, userconfig(app)...),
				append([]string{"npm", "prune", "--omit=dev"}, userconfig(app)...),
			}
		}},
		{"node-npm-production", nil, func(app string) [][]string {
			return [][]string{append([]string{"npm", "ci", "--omit=dev"}, userconfig(app)...)}
		}},
		{"node-build-flags", nil, func(app string) [][]string {
			return [][]string{
				append([]string{"npm", "ci", "--include=dev"}, userconfig(app)...),
				{"npm", "run", "build", "--", "--prod --optimize"},
				append([]string{"npm", "prune", "--omit=dev"}, userconfig(app)...),
			}
		}},
		{"node-yarn1", nil, func(string) [][]string {
			return [][]string{
				{"yarn", "install", "--production=false", "--frozen-lockfile", "--ignore-engines", "--prefer-offline"},
				{"yarn", "run", "build"},
				{"yarn", "install", "--production=true", "--frozen-lockfile", "--ignore-engines", "--ignore-scripts", "--prefer-offline"},
			}
		}},
		{"node-yarn1-production", nil, func(string) [][]string {
			return [][]string{{"yarn", "install", "--production=true", "--frozen-lockfile", "--ignore-engines", "--prefer-offline"}}
		}},
		{"node-yarn-berry", nil, func(string) [][]string {
			return [][]string{{"yarn", "install", "--immutable"}, {"yarn", "kiln-prune"}}
		}},
		{"node-yarn-berry-pnp-skip-pruning", nil, func(string) [][]string {
			return [][]string{{"yarn", "install", "--immutable"}}
		}},
		{"node-pnpm", nil, func(string) [][]string {
			return [][]string{
				{"pnpm", "install", "--prod=false", "--frozen-lockfile"},
				{"pnpm", "run", "build"},
				{"pnpm", "prune", "--prod", "--ignore-scripts", "--config.confirm-modules-purge=false"},
			}
		}},
		{"node-pnpm-engines-range", nil, func(app string) [][]string {
			return [][]string{
				append([]string{"npm", "install", "--global", "--no-audit", "--no-fund", "pnpm@9.x"}, userconfig(app)...),
				{"pnpm", "install", "--prod=false", "--frozen-lockfile", "--reporter=append-only"},
			}
		}},
		{"node-node-env-development", nil, func(app string) [][]string {
			return [][]string{append([]string{"npm", "ci", "--include=dev"}, userconfig(app)...)}
		}},
		{"node-hooks", map[string]string{"NPM_CONFIG_PRODUCTION": "false"}, func(app string) [][]string {
			return [][]string{
				{"npm", "run", "scalingo-prebuild"},
				append([]string{"npm", "ci", "--include=dev"}, userconfig(app)...),
				{"npm", "run", "scalingo-postbuild"},
				{"npm", "run", "scalingo-cleanup"},
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			rec, _, app := recordedBuild(t, tc.fixture, tc.env)
			assert.Equal(t, tc.want(app), rec.Commands())
			for _, c := range rec.Calls {
				assert.Equal(t, app, c.Dir)
				assert.Equal(t, app+"/.scalingo/node/bin:/usr/bin", c.Env.Get("PATH"))
			}
		})
	}
}

func TestCompileEnvironment(t *testing.T) {
	rec, _, _ := recordedBuild(t, "node-pnpm", map[string]string{"NODE_OPTIONS": "--max-old-space-size=100"})
	require.NotEmpty(t, rec.Calls)
	env := rec.Calls[0].Env
	assert.Equal(t, "production", env.Get("NODE_ENV"))
	assert.Equal(t, "--max-old-space-size=100", env.Get("NODE_OPTIONS"), "user value wins")
	cache := strings.TrimSuffix(env.Get("NPM_CONFIG_CACHE"), "/node/npm-cache")
	assert.DirExists(t, cache, "the npm cache lives in the build cache: %s", env.Get("NPM_CONFIG_CACHE"))
	assert.Equal(t, cache+"/node/pnpm-store", env.Get("npm_config_store_dir"))
	assert.Equal(t, "error", env.Get("NPM_CONFIG_LOGLEVEL"))
}

func TestCompileMeteorStepEnvAndDir(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-meteor")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	build := p.Step(stepMeteorBuild)
	require.NotNil(t, build)
	p.Steps = []buildpack.Step{*p.Step(stepEnvironment), *build, *p.Step(stepMeteorNPM)}
	rec := &buildpacktest.RecordingRunner{}
	ctx.Runner, ctx.Log = rec, buildpack.Discard()
	ctx.Env = ctx.Env.With("PATH", "/usr/bin")
	require.NoError(t, Buildpack{}.Compile(ctx, p))
	require.Len(t, rec.Calls, 2)
	app := ctx.AppDir
	assert.Equal(t, app+"/.meteor-install", rec.Calls[0].Env.Get("HOME"))
	assert.Equal(t, app+"/.meteor-install/.meteor:"+app+"/.scalingo/node/bin:/usr/bin", rec.Calls[0].Env.Get("PATH"))
	assert.Equal(t, "--max-old-space-size=8192", rec.Calls[0].Env.Get("TOOL_NODE_FLAGS"))
	assert.Equal(t, filepath.Join(app, ".app-build/bundle/programs/server"), rec.Calls[1].Dir)
}

func TestCompileStopsOnFailure(t *testing.T) {
	ctx := fixtureContext(t, "../fixtures/node-hooks")
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	p.Steps = []buildpack.Step{*p.Step(stepPrebuild), *p.Step(stepNPMCI)}
	rec := &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
		return &buildpack.ExitError{Code: 3}
	}}
	ctx.Runner, ctx.Log = rec, buildpack.Discard()
	err = Buildpack{}.Compile(ctx, p)
	var ee *buildpack.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 3, ee.Code)
	assert.Equal(t, stepPrebuild, ee.Step)
	assert.Len(t, rec.Calls, 1)
}

func TestStepTableCoversPlans(t *testing.T) {
	for _, f := range []string{"node-hooks", "node-meteor", "node-yarn-berry", "node-pnpm-engines-range", "node-engines-npm"} {
		p, err := Buildpack{}.Plan(fixtureContext(t, filepath.Join("..", "fixtures", f)))
		require.NoError(t, err)
		for _, s := range p.Steps {
			assert.True(t, ownsStep(s.Name), s.Name)
		}
	}
	assert.False(t, ownsStep("composer-install"))
}
