package detect

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
)

func TestWorkspaceOf(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	repo := fstest.MapFS{
		"package.json":                file(`{"workspaces": ["packages/*", "apps/**", "!apps/legacy"]}`),
		"packages/api/package.json":   file(`{}`),
		"apps/web/site/package.json":  file(`{}`),
		"apps/legacy/package.json":    file(`{}`),
		"tools/cli/package.json":      file(`{}`),
		"yarnws/package.json":         file(`{"workspaces": {"packages": ["./libs/*/"]}}`),
		"yarnws/yarn.lock":            file(``),
		"yarnws/libs/a/package.json":  file(`{}`),
		"pnpmws/pnpm-workspace.yaml":  file("packages:\n  - 'svc/*'\n"),
		"pnpmws/svc/one/package.json": file(`{}`),
		"broken/package.json":         file(`{"workspaces": 3}`),
		"broken/x/package.json":       file(`{}`),
	}
	for _, tc := range []struct {
		dir  string
		want Workspace
		ok   bool
	}{
		{"packages/api", Workspace{".", "npm", `package.json workspaces "packages/*"`}, true},
		{"apps/web/site", Workspace{".", "npm", `package.json workspaces "apps/**"`}, true},
		{"apps/legacy", Workspace{}, false}, // negated
		{"tools/cli", Workspace{}, false},   // not listed
		{"yarnws/libs/a", Workspace{"yarnws", "Yarn", `package.json workspaces "./libs/*/"`}, true},
		{"pnpmws/svc/one", Workspace{"pnpmws", "pnpm", `pnpm-workspace.yaml packages "svc/*"`}, true},
		{"broken/x", Workspace{}, false},
		{".", Workspace{}, false},
	} {
		got, ok := WorkspaceOf(repo, tc.dir)
		assert.Equal(t, tc.ok, ok, tc.dir)
		assert.Equal(t, tc.want, got, tc.dir)
	}
}

func TestGlobMatch(t *testing.T) {
	assert.True(t, globMatch("packages/*", "packages/a"))
	assert.False(t, globMatch("packages/*", "packages/a/b"))
	assert.True(t, globMatch("packages/**", "packages/a/b"))
	assert.True(t, globMatch("**", "a"))
	assert.True(t, globMatch("apps/web", "apps/web"))
	assert.True(t, globMatch("apps/web/package.json", "apps/web"))
	assert.False(t, globMatch("apps/w?", "apps/web"))
}
