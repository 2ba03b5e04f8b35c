package php

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/stacks"
)

// fakeAssets is an asset builder that plans a fixed plan and records what it
// is asked to compile.
type fakeAssets struct {
	compiled *[]buildpack.Plan
	err      error
}

func (fakeAssets) PlanAssets(ctx *buildpack.Context) (buildpack.Plan, error) {
	p := buildpack.Plan{Buildpack: "nodejs", Name: "Node.js", Stack: ctx.Stack.Name,
		Runtimes: []buildpack.Runtime{{Name: "node", Version: "24.18.0", Source: "default"}},
		Steps:    []buildpack.Step{{Name: "install-node"}, {Name: "node-build", Command: []string{"npm", "run", "build"}}},
		Caches:   []string{"node_modules"},
		Settings: map[string]string{"package_manager": "npm"}}
	p.Warn("an assets warning")
	p.Normalize()
	return p, nil
}

func (f fakeAssets) Compile(ctx *buildpack.Context, p buildpack.Plan) error {
	*f.compiled = append(*f.compiled, p)
	return f.err
}

func planWithAssets(t *testing.T, assets buildpack.AssetBuilder, env buildpack.Env) buildpack.Plan {
	t.Helper()
	st, err := stacks.Load("")
	require.NoError(t, err)
	env = buildpack.Env(buildpacktest.RepositoryEnv()).Merge(env)
	ctx := &buildpack.Context{AppDir: filepath.Join("..", "fixtures", "php-node-assets"), Env: env, Stack: st, Log: buildpack.Discard()}
	p, err := Buildpack{Assets: assets}.Plan(ctx)
	require.NoError(t, err)
	return p
}

func stepNames(steps []buildpack.Step) []string {
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	return names
}

func TestPlanComposesTheAssetsPart(t *testing.T) {
	var compiled []buildpack.Plan
	p := planWithAssets(t, fakeAssets{compiled: &compiled}, nil)
	assert.Equal(t, []string{stepInstallPHP, stepInstallNginx, stepInstallComposer, stepWriteConfig, stepBuildAssets,
		stepComposerInstall, stepInstallBoot, stepWriteProfile, stepCheckConfig, stepWriteExport}, stepNames(p.Steps))
	part := p.Part(stepBuildAssets)
	require.NotNil(t, part)
	assert.Equal(t, "nodejs", part.Plan.Buildpack)
	assert.Equal(t, map[string]string{"package_manager": "npm"}, part.Plan.Settings, "the part's settings are its own, unprefixed")
	assert.Empty(t, part.Plan.Warnings, "the part's warnings move to the PHP plan")
	assert.Contains(t, p.Warnings, "an assets warning")
	assert.Nil(t, p.Runtime("node"), "the PHP plan's own runtimes are PHP's")

	flat := p.Flat()
	assert.Equal(t, []string{stepInstallPHP, stepInstallNginx, stepInstallComposer, stepWriteConfig, "install-node", "node-build",
		stepComposerInstall, stepInstallBoot, stepWriteProfile, stepCheckConfig, stepWriteExport}, stepNames(flat.Steps))
	assert.Equal(t, "npm", flat.Settings["node.package_manager"])
	assert.Equal(t, []string{"node_modules", "composer", "downloads"}, flat.Caches)
	assert.Equal(t, "node", flat.Runtimes[len(flat.Runtimes)-1].Name)
}

func TestPlanWithoutAssets(t *testing.T) {
	var compiled []buildpack.Plan
	for name, p := range map[string]buildpack.Plan{
		"PHP_BUILDPACK_NO_NODE": planWithAssets(t, fakeAssets{compiled: &compiled}, buildpack.Env{"PHP_BUILDPACK_NO_NODE": "true"}),
		"no asset builder":      planWithAssets(t, nil, nil),
	} {
		assert.Nil(t, p.Parts, name)
		assert.NotContains(t, stepNames(p.Steps), stepBuildAssets, name)
	}
}

func TestCompileHandsTheAssetsPartToTheBuilder(t *testing.T) {
	part := buildpack.Plan{Buildpack: "nodejs", Steps: []buildpack.Step{{Name: "node-build", Command: []string{"npm", "run", "build"}}}}
	plan := buildpack.Plan{Buildpack: "php", Steps: []buildpack.Step{{Name: stepBuildAssets}},
		Parts: []buildpack.Part{{Step: stepBuildAssets, SettingsPrefix: nodeSettingPrefix, Plan: part}}}
	out := &buildpacktest.SyncBuffer{}
	ctx := &buildpack.Context{AppDir: t.TempDir(), Env: buildpack.Env{}, Log: buildpack.NewLogger(out, nil),
		Runner: &buildpacktest.RecordingRunner{}}

	var compiled []buildpack.Plan
	require.NoError(t, Buildpack{Assets: fakeAssets{compiled: &compiled}}.Compile(ctx, plan))
	assert.Equal(t, []buildpack.Plan{part}, compiled)
	assert.Contains(t, out.String(), "-----> Building the Node.js assets\n")

	boom := errors.New("boom")
	assert.ErrorIs(t, Buildpack{Assets: fakeAssets{compiled: &compiled, err: boom}}.Compile(ctx, plan), boom)
	assert.ErrorContains(t, Buildpack{}.Compile(ctx, plan), "no asset builder")
}
