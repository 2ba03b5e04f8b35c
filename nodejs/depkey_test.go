package nodejs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otiai10/copy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/nodejs/depcache"
	"github.com/kiln-dev/kiln/stacks"
)

// keyFor plans a copy of the node-e2e-npm fixture, changed by edit, on a
// stack with extra variables, and computes its dependency key the way the
// install step does.
func keyFor(t *testing.T, stack string, env map[string]string, edit func(app string)) depcache.Key {
	t.Helper()
	app := filepath.Join(t.TempDir(), "app")
	require.NoError(t, copy.Copy("../fixtures/node-e2e-npm", app, copy.Options{
		Skip: func(_ os.FileInfo, src, _ string) (bool, error) { return filepath.Base(src) == "expected", nil },
	}))
	if edit != nil {
		edit(app)
	}
	st, err := stacks.Load(stack)
	require.NoError(t, err)
	ctx := &buildpack.Context{AppDir: app, Env: buildpack.Env(env).Merge(nil).With("STACK", stack), Stack: st}
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	var install *buildpack.Step
	for i := range p.Steps {
		if isInstallStep(p.Steps[i].Name) {
			install = &p.Steps[i]
		}
	}
	require.NotNil(t, install)
	require.NotEmpty(t, p.Settings[setDepKeyFiles], p.Settings[setDepCache])
	k, err := computeDepKey(app, filepath.Join(app, nodeDir), p, decoded(t, p), ctx.Env.Merge(p.Steps[0].Env), install.Command)
	require.NoError(t, err)
	return k
}

// rewrite replaces old by new in app/name, failing when old is absent.
func rewrite(t *testing.T, name, old, new string) func(app string) {
	return func(app string) {
		b, err := os.ReadFile(filepath.Join(app, name))
		require.NoError(t, err)
		require.Contains(t, string(b), old)
		require.NoError(t, os.WriteFile(filepath.Join(app, name), []byte(strings.Replace(string(b), old, new, 1)), 0o644))
	}
}

func TestDependencyKeyInputs(t *testing.T) {
	base := keyFor(t, stacks.DefaultName, nil, nil)
	assert.Empty(t, keyFor(t, stacks.DefaultName, nil, nil).Changes(base), "the key is deterministic")

	changed := []struct {
		name  string
		stack string
		env   map[string]string
		edit  func(app string)
		want  string
	}{
		{"lockfile bytes", "", nil, rewrite(t, "package-lock.json", `"lockfileVersion": 3`, `"lockfileVersion":  3`), "package-lock.json"},
		{"dependencies", "", nil, rewrite(t, "package.json", `"express": "^5.1.0"`, `"express": "^5.1.1"`), "package.json dependencies"},
		{"devDependencies", "", nil, rewrite(t, "package.json", `"is-number": "^7.0.0"`, `"is-number": "7.0.0"`), "package.json devDependencies"},
		{"engines.node", "", nil, rewrite(t, "package.json", `"node": "24.x"`, `"node": "24.18.x"`), "package.json engines"},
		{"overrides", "", nil, rewrite(t, "package.json", `"private": true,`, `"private": true, "overrides": {"qs": "6.14.0"},`), "package.json overrides"},
		{"workspaces", "", nil, rewrite(t, "package.json", `"private": true,`, `"private": true, "workspaces": [],`), "package.json workspaces"},
		{"packageManager", "", nil, rewrite(t, "package.json", `"private": true,`, `"private": true, "packageManager": "npm@11.16.0",`), "package.json packageManager"},
		{".npmrc", "", nil, func(app string) {
			require.NoError(t, os.WriteFile(filepath.Join(app, ".npmrc"), []byte("legacy-peer-deps=true\n"), 0o644))
		}, ".npmrc"},
		{"stack", "scalingo-24", nil, nil, "stack"},
		{"NPM_CONFIG_PRODUCTION", "", map[string]string{"NPM_CONFIG_PRODUCTION": "true"}, nil, "NPM_CONFIG_PRODUCTION, install command"},
		{"NODE_ENV", "", map[string]string{"NODE_ENV": "staging"}, nil, "NODE_ENV"},
		{"USE_NPM_INSTALL", "", map[string]string{"USE_NPM_INSTALL": "true"}, nil, "USE_NPM_INSTALL, install command"},
		{"an npm setting", "", map[string]string{"NPM_CONFIG_LEGACY_PEER_DEPS": "true"}, nil, "NPM_CONFIG_LEGACY_PEER_DEPS"},
	}
	for _, tc := range changed {
		t.Run(tc.name, func(t *testing.T) {
			stack := tc.stack
			if stack == "" {
				stack = stacks.DefaultName
			}
			k := keyFor(t, stack, tc.env, tc.edit)
			assert.Equal(t, tc.want, strings.Join(k.Changes(base), ", "))
		})
	}

	unchanged := []struct {
		name string
		env  map[string]string
		edit func(app string)
	}{
		{"a script", nil, rewrite(t, "package.json", `"build": "node build.js"`, `"build": "node build.js && true"`)},
		{"the description", nil, rewrite(t, "package.json", `"private": true,`, `"private": true, "description": "changed",`)},
		{"the version", nil, rewrite(t, "package.json", `"version": "1.0.0"`, `"version": "1.0.1"`)},
		{"package.json formatting", nil, rewrite(t, "package.json", `"express": "^5.1.0"`, `"express"  :   "^5.1.0"`)},
		{"source code", nil, rewrite(t, "server.js", "", "// changed\n")},
		{"the log level", map[string]string{"NPM_CONFIG_LOGLEVEL": "verbose"}, nil},
		{"a token", map[string]string{"NPM_TOKEN": "secret", "NPM_CONFIG__AUTHTOKEN": "secret"}, nil},
		{"the build flags", map[string]string{"NODE_BUILD_FLAGS": "--prod"}, nil},
	}
	for _, tc := range unchanged {
		t.Run("not "+tc.name, func(t *testing.T) {
			assert.Empty(t, keyFor(t, stacks.DefaultName, tc.env, tc.edit).Changes(base))
		})
	}
}

func TestDependencyKeyArchitectureAndRuntimes(t *testing.T) {
	k := depcache.Key{Format: depcache.KeyFormat, Arch: "linux/amd64", Runtimes: map[string]string{"node": "24.18.0", "npm": "11.16.0"}}
	other := k
	other.Arch = "linux/arm64"
	other.Runtimes = map[string]string{"node": "24.18.0", "npm": "11.17.0"}
	assert.Equal(t, []string{"architecture", "npm version"}, other.Changes(k))
	old := k
	old.Format = 0
	assert.Equal(t, []string{"the cache format"}, k.Changes(old))
}

func TestDependencyCacheOffReasons(t *testing.T) {
	for fixture, want := range map[string]string{
		"node-npm-install-no-lockfile":     "off: no lockfile",
		"node-cache-disabled":              "off: the cache is disabled",
		"node-yarn-berry-pnp-skip-pruning": "off: Yarn Plug'n'Play",
		"node-modules-checked-in":          "off: node_modules is part of the app",
		"node-pnpm":                        "restore node_modules",
	} {
		p, err := Buildpack{}.Plan(fixtureContext(t, filepath.Join("..", "fixtures", fixture)))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(p.Settings[setDepCache], want), "%s: %s", fixture, p.Settings[setDepCache])
		if strings.HasPrefix(want, "off") {
			assert.Empty(t, p.Settings[setDepKeyFiles], fixture)
		} else {
			assert.NotContains(t, p.Caches, "node_modules", "the tree cache holds node_modules")
		}
	}
}
