package nodejs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// buildOnStack is e2eBuild on a given stack, with a build report.
func buildOnStack(t *testing.T, app, cache, stack string, env buildpack.Env) (string, buildpack.Summary) {
	t.Helper()
	st, err := stacks.Load(stack)
	require.NoError(t, err)
	env = env.With("STACK", stack)
	var out bytes.Buffer
	report := &buildpack.Report{}
	ctx := &buildpack.Context{
		Ctx: context.Background(), AppDir: app, CacheDir: cache, Env: env, Stack: st, Report: report,
		Log: buildpack.NewLogger(&out, env.SecretValues()), Runner: buildpack.ExecRunner{},
	}
	p, err := Buildpack{}.Plan(ctx)
	if err == nil {
		err = Buildpack{}.Compile(ctx, p)
	}
	require.NoError(t, err, out.String())
	return out.String(), report.Summary()
}

// editFile rewrites a file of app through edit.
func editFile(t *testing.T, app, name string, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(app, name))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(app, name), []byte(edit(string(b))), 0o644))
}

// TestE2EDependencyCache builds one app repeatedly with one cache: an
// unchanged app restores node_modules; a change to the lockfile, to
// engines.node, to NPM_CONFIG_PRODUCTION or to the stack reinstalls and says
// which input changed; package.json scripts are not part of the key.
func TestE2EDependencyCache(t *testing.T) {
	skipShort(t)
	cache := t.TempDir()
	seedCache(t, cache)
	stack := stacks.DefaultName
	// Each build starts from a fresh copy of the app with the edits so far:
	// the edits accumulate, as commits do.
	var edits []func(app string)
	build := func(env map[string]string, edit func(app string)) (string, string, buildpack.Summary) {
		app := e2eApp(t, "node-e2e-npm")
		if edit != nil {
			edits = append(edits, edit)
		}
		for _, e := range edits {
			e(app)
		}
		out, sum := buildOnStack(t, app, cache, stack, e2eEnv(env))
		return app, out, sum
	}
	installs := func(out, why string) {
		t.Helper()
		assert.Contains(t, out, "Dependencies changed since the cached build ("+why+"): installing")
		assert.Contains(t, out, "Running npm ci")
		assert.Contains(t, out, "Saved node_modules")
	}

	_, out, sum := build(nil, nil)
	assert.Contains(t, out, "No installed dependencies in the cache: installing")
	assert.Contains(t, out, "Saved node_modules")
	assert.Contains(t, sum.CacheMisses, "node_modules")

	// Unchanged, apart from a script: restored, then built and pruned.
	app, out, sum := build(nil, func(app string) {
		editFile(t, app, "package.json", func(s string) string {
			return strings.Replace(s, `"start": "node server.js"`, `"start": "node server.js", "lint": "true"`, 1)
		})
	})
	assert.Contains(t, out, "Dependencies unchanged since the cached build: restored node_modules")
	assert.NotContains(t, out, "Running npm ci")
	assertOrder(t, out, "restored node_modules", "hook: build", "Moved the 1 devDependencies of package-lock.json", "nothing is left for npm prune to do")
	assert.Contains(t, sum.CacheHits, "node_modules")
	assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"), "devDependency left after pruning")
	assert.DirExists(t, filepath.Join(cache, "node", "deps", "tree", "node_modules", "is-number"),
		"pruning the restored tree must not prune the cache")
	assert.Contains(t, serve(t, app, "npm start"), "built: true")

	_, out, _ = build(nil, func(app string) {
		editFile(t, app, "package-lock.json", func(s string) string { return s + "\n" })
	})
	installs(out, "package-lock.json")

	_, out, _ = build(nil, func(app string) {
		editFile(t, app, "package.json", func(s string) string {
			return strings.Replace(s, `"node": "24.x"`, `"node": "24.18.x"`, 1)
		})
	})
	installs(out, "package.json engines")

	app, out, _ = build(map[string]string{"NPM_CONFIG_PRODUCTION": "true", "NPM_NO_BUILD": "true"}, nil)
	installs(out, "NPM_CONFIG_PRODUCTION, install command")
	assert.NoDirExists(t, filepath.Join(app, "node_modules", "is-number"))

	_, out, _ = build(map[string]string{"NPM_CONFIG_PRODUCTION": "true", "NPM_NO_BUILD": "true"}, nil)
	assert.Contains(t, out, "Dependencies unchanged since the cached build: restored node_modules")

	stack = "scalingo-24"
	_, out, _ = build(map[string]string{"NPM_CONFIG_PRODUCTION": "true", "NPM_NO_BUILD": "true"}, nil)
	installs(out, "stack")

	// A cleanup script that patches a package file in place changes the
	// hard-linked saved copy too: the cache is dropped, not reused.
	_, out, _ = build(map[string]string{"NPM_CONFIG_PRODUCTION": "true", "NPM_NO_BUILD": "true"}, func(app string) {
		editFile(t, app, "package.json", func(s string) string {
			return strings.Replace(s, `console.log('hook: cleanup')`,
				`require('fs').appendFileSync('node_modules/express/index.js', '// patched')`, 1)
		})
	})
	assert.Contains(t, out, "Dependencies unchanged since the cached build: restored node_modules")
	assert.Contains(t, out, "The build changed node_modules/express/index.js in place")
	assert.NoDirExists(t, filepath.Join(cache, "node", "deps"))
	_, out, _ = build(map[string]string{"NPM_CONFIG_PRODUCTION": "true", "NPM_NO_BUILD": "true"}, nil)
	assert.Contains(t, out, "No installed dependencies in the cache: installing")
	assert.Contains(t, out, "The build changed node_modules/express/index.js in place", "the script patches every build")
}
