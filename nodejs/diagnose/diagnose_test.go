package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSamples runs the rules on the real output of npm, Yarn, pnpm,
// node-gyp and build scripts kept in testdata/ (each file says how it was
// made in the test case): the expected rule recognises it, and the advice
// says what it must.
func TestSamples(t *testing.T) {
	npmApp := Failure{Manager: "npm", Lockfile: "package-lock.json", Registry: "https://registry.npmjs.org/"}
	with := func(f Failure, change func(*Failure)) Failure { change(&f); return f }
	for _, tc := range []struct {
		sample string // file under testdata
		f      Failure
		rule   string
		says   []string
	}{
		// npm ci after a dependency was added to package.json only.
		{"npm-ci-out-of-sync.txt", npmApp, "lockfile-out-of-sync", []string{"package-lock.json is out of sync with package.json", "`npm install`"}},
		// yarn 1.22.22 install --frozen-lockfile, same change.
		{"yarn1-frozen-lockfile.txt", Failure{Manager: "yarn", Lockfile: "yarn.lock"}, "lockfile-out-of-sync", []string{"yarn.lock is out of sync", "`yarn install`"}},
		// Yarn 4.9.2 install --immutable, same change.
		{"yarn4-immutable.txt", Failure{Manager: "yarn", Lockfile: "yarn.lock"}, "lockfile-out-of-sync", []string{"yarn.lock is out of sync", "YN0028"}},
		// pnpm 10.34.8 install --frozen-lockfile, same change.
		{"pnpm-outdated-lockfile.txt", Failure{Manager: "pnpm", Lockfile: "pnpm-lock.yaml"}, "lockfile-out-of-sync", []string{"pnpm-lock.yaml is out of sync", "`pnpm install`"}},
		// npm install of react 17 with react-dom 18.
		{"npm-eresolve.txt", npmApp, "peer-dependency-conflict", []string{"ERESOLVE", "NPM_CONFIG_LEGACY_PEER_DEPS=true"}},
		// pnpm, strict-peer-dependencies=true, same dependencies.
		{"pnpm-peer-dep-issues.txt", Failure{Manager: "pnpm"}, "peer-dependency-conflict", []string{"unmet peer dependencies", "strictPeerDependencies: false"}},
		// NPM_CONFIG_ENGINE_STRICT=true, a dependency with engines.node >=99.
		{"npm-ebadengine.txt", npmApp, "dependency-engine", []string{"dep@1.0.0 does not support this Node.js", `{"node":">=99"}`, "NPM_CONFIG_ENGINE_STRICT=false"}},
		{"pnpm-unsupported-engine.txt", Failure{Manager: "pnpm"}, "dependency-engine", []string{"file:dep does not support this Node.js", ">=99"}},
		// a build script `node --max-old-space-size=16 -e` filling an array.
		{"build-heap-oom.txt", npmApp, "out-of-memory", []string{"NODE_OPTIONS=--max-old-space-size=<MB>"}},
		// a build script killed by SIGKILL (sh -c 'kill -9 $$'), exit 137.
		{"build-sigkill.txt", with(npmApp, func(f *Failure) { f.ExitCode = 137 }), "killed", []string{"exit status 137", "--max-old-space-size"}},
		// registry=https://registry.invalid/ and http://127.0.0.1:9/.
		{"npm-enotfound.txt", npmApp, "registry-unreachable", []string{"https://registry.invalid could not be reached (ENOTFOUND)"}},
		{"npm-econnrefused.txt", npmApp, "registry-unreachable", []string{"http://127.0.0.1:9 could not be reached (ECONNREFUSED)"}},
		{"pnpm-enotfound.txt", Failure{Manager: "pnpm"}, "registry-unreachable", []string{"https://registry.invalid could not be reached (ENOTFOUND)"}},
		// a registry that accepts connections and never answers, fetch-timeout=3000.
		{"npm-network-timeout.txt", npmApp, "registry-unreachable", []string{"http://127.0.0.1:47999 could not be reached (timeout)"}},
		// a package that does not exist.
		{"npm-e404.txt", npmApp, "package-not-found", []string{"https://registry.npmjs.org has no such package", "kiln-no-such-package-xyz-123"}},
		// npm ci of a node-gyp add-on with no python, no make, no cc on PATH.
		{"gyp-nopy.txt", npmApp, "native-addon-python", []string{"no Python 3", "prebuilt binaries"}},
		{"gyp-nomake.txt", npmApp, "native-addon-make", []string{"no make"}},
		{"gyp-nocxx.txt", npmApp, "native-addon-compiler", []string{"no a C/C++ compiler (cc)"}},
		// npm_config_nodedir pointing to an empty directory.
		{"gyp-bad-nodedir.txt", npmApp, "native-addon-headers", []string{"no usable Node.js headers", "npm_config_nodedir"}},
		// an add-on built against Node.js 24's headers, loaded by Node.js 20.
		{"build-node-module-version.txt", npmApp, "native-addon-abi", []string{"NODE_MODULE_VERSION 137; this Node.js needs 115", "`npm rebuild`"}},
		// `vite build` with vite a devDependency, NPM_CONFIG_PRODUCTION=true.
		{"build-command-not-found.txt", with(npmApp, func(f *Failure) {
			f.DevOmitted, f.DevDependencies, f.ExitCode = "NPM_CONFIG_PRODUCTION=true", []string{"vite"}, 127
		}), "missing-dev-dependency", []string{"vite was not found: NPM_CONFIG_PRODUCTION=true keeps devDependencies out of the install, and vite is one", "Unset NPM_CONFIG_PRODUCTION"}},
		// node -e "require('hello-addon')" with hello-addon not installed, after pruning.
		{"build-module-not-found.txt", with(npmApp, func(f *Failure) { f.Pruned, f.DevDependencies = true, []string{"hello-addon"} }),
			"missing-dev-dependency", []string{"hello-addon was not found: devDependencies are pruned before this step, and hello-addon is one"}},
		// import 'vite' (ESM) when package.json does not list vite.
		{"build-esm-not-found.txt", npmApp, "missing-dev-dependency", []string{"vite was not found, and package.json lists it in neither", "npm install --save-dev vite"}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.sample))
			require.NoError(t, err)
			tc.f.Output = string(b)
			a, ok := Diagnose(tc.f)
			require.True(t, ok, "no rule recognised %s", tc.sample)
			assert.Equal(t, tc.rule, a.Rule)
			for _, s := range tc.says {
				assert.Contains(t, a.Text, s)
			}
			assert.NotContains(t, a.Text, "\n", "advice is one line")
		})
	}
}

// TestNoAdvice: output the rules do not know, and a missing module that is
// a listed dependency of an app whose devDependencies were installed, get
// no advice; an npm warning about engines is not the EBADENGINE error.
func TestNoAdvice(t *testing.T) {
	for _, f := range []Failure{
		{Output: "> app@1.0.0 build\n> exit 3\n", ExitCode: 3},
		{Output: "Error: Cannot find module 'vite'\n", Dependencies: []string{"vite"}},
		{Output: "Error: Cannot find module './dist/server.js'\n"},
		{Output: "npm warn EBADENGINE Unsupported engine {\nnpm error code 1\n"},
	} {
		a, ok := Diagnose(f)
		assert.False(t, ok, "%q: %+v", f.Output, a)
	}
}

func TestPackageName(t *testing.T) {
	for in, want := range map[string]string{"vite": "vite", "vite/client": "vite", "@scope/pkg": "@scope/pkg", "@scope/pkg/sub/x": "@scope/pkg"} {
		assert.Equal(t, want, packageName(in))
	}
}

// TestRegistryCredentialsNeverShown: advice names a registry by scheme and
// host only.
func TestRegistryCredentialsNeverShown(t *testing.T) {
	a, ok := Diagnose(Failure{Output: "npm error 404 Not Found - GET https://user:s3cret@npm.example.com/private-pkg\n"})
	require.True(t, ok)
	assert.NotContains(t, a.Text, "s3cret")
	a, ok = Diagnose(Failure{Output: "npm error code ENOTFOUND\n", Registry: "https://u:s3cret@npm.example.com/"})
	require.True(t, ok)
	assert.Contains(t, a.Text, "https://npm.example.com could not be reached")
	assert.NotContains(t, a.Text, "s3cret")
}

// TestScriptNetworkIsNotTheRegistry: a build script that cannot reach a
// host is not told about the registry.
func TestScriptNetworkIsNotTheRegistry(t *testing.T) {
	out := "Error: request to https://fonts.googleapis.com/css2?family=Inter failed, reason: getaddrinfo ENOTFOUND fonts.googleapis.com\n"
	a, ok := Diagnose(Failure{Output: out, Script: true, Registry: "https://registry.npmjs.org/"})
	require.True(t, ok)
	assert.Equal(t, "registry-unreachable", a.Rule)
	assert.Contains(t, a.Text, "The script could not reach https://fonts.googleapis.com (ENOTFOUND)")
	assert.NotContains(t, a.Text, "registry")
	_, ok = Diagnose(Failure{Output: "Error: connect ECONNREFUSED 127.0.0.1:5432\n", Script: true})
	assert.False(t, ok, "no URL: nothing to say")
}

func TestTailKeepsTheEnd(t *testing.T) {
	tail := &Tail{Max: 8}
	for _, s := range []string{"0123", "4567", "89ab"} {
		_, _ = tail.Write([]byte(s))
	}
	assert.Equal(t, "456789ab", tail.String())
	assert.True(t, strings.HasSuffix(tail.String(), "ab"))
}
