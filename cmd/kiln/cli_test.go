package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

func kiln(env buildpack.Env, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"kiln"}, args...), env, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeApp(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

func TestUsageErrors(t *testing.T) {
	code, _, stderr := kiln(nil, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)

	code, _, stderr = kiln(nil, "plan")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: kiln plan")

	code, _, stderr = kiln(nil, "plan", "--env", "NOEQUALS", "x")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "KEY=VALUE")

	code, stdout, _ := kiln(nil, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "kiln build")
}

func TestDetectCommand(t *testing.T) {
	code, stdout, _ := kiln(nil, "detect", writeApp(t, map[string]string{"package.json": "{}"}))
	assert.Equal(t, 0, code)
	assert.Equal(t, "Node.js\n", stdout)

	code, stdout, stderr := kiln(nil, "detect", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, " !     no buildpack detected for ")
	assert.Contains(t, stderr, "The app directory holds: nothing (the directory is empty)")
}

// TestDetectSaysWhy: bin/detect explains, on stderr, why an app with a
// package.json the build cannot see is not a Node.js app.
func TestDetectSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{".slugignore": "*.md\npackage.json\n", "server.js": ""}, "package.json is listed in .slugignore, which removes it before the build"},
		{map[string]string{".gitignore": "/package.json\n", "server.js": ""}, "package.json is listed in .gitignore, so it is not committed"},
		{map[string]string{"web/package.json": "{}", "README.md": ""}, "There is a package.json in web/, but a Node.js app needs it at the root"},
	} {
		code, stdout, stderr := kiln(nil, "detect", writeApp(t, tc.files))
		assert.Equal(t, 1, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, " !     "+tc.want)
		assert.Contains(t, stderr, "kiln builds Node.js apps")
	}
}

func TestPlanEnvPrecedence(t *testing.T) {
	app := writeApp(t, map[string]string{"package.json": `{"engines": {"node": "22.x"}}`})
	envDir := writeApp(t, map[string]string{"STACK": "scalingo-24", "NODE_ENV": "staging"})

	code, stdout, stderr := kiln(buildpack.Env{"STACK": "scalingo-22"}, "plan", "--json", "--env-dir", envDir, app)
	require.Equal(t, 0, code, stderr)
	var p buildpack.Plan
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	assert.Equal(t, "scalingo-24", p.Stack, "the env dir wins over the process environment")
	assert.Equal(t, "22.23.1", p.Runtime("node").Version)

	code, stdout, stderr = kiln(buildpack.Env{}, "plan", app, "--json", "--env-dir", envDir, "--env", "STACK=scalingo-22")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	assert.Equal(t, "scalingo-22", p.Stack, "--env wins over the env dir; flags may follow the app")

	code, stdout, stderr = kiln(buildpack.Env{}, "plan", "--stack", "scalingo-26", "--env", "STACK=scalingo-22", "--json", app)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &p))
	assert.Equal(t, "scalingo-26", p.Stack, "--stack wins over STACK")
}

func TestPlanText(t *testing.T) {
	app := writeApp(t, map[string]string{"package.json": `{"engines": {"node": "24.x"}, "scripts": {"start": "node server.js"}}`, "package-lock.json": `{"lockfileVersion": 3, "packages": {}}`})
	code, stdout, stderr := kiln(buildpack.Env{}, "plan", app)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-----> Node.js app, stack scalingo-26")
	assert.Contains(t, stdout, `node      24.18.0    "24.x" from package.json engines.node`)
	assert.Contains(t, stdout, `npm       11.16.0    default (bundled with Node.js 24.18.0)`, "no (default from default)")
	assert.Contains(t, stdout, "npm ci")
	assert.Contains(t, stdout, "web: npm start")
}

func TestPlanBadInputPrintsNothingOnStdout(t *testing.T) {
	app := writeApp(t, map[string]string{"composer.json": "{\n  \"require\": {\n    \"php\": \"^8.2\",\n  }\n}\n"})
	code, stdout, stderr := kiln(buildpack.Env{}, "plan", "--json", app)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "composer.json")
	assert.Contains(t, stderr, "line 4")
}

func TestBuildUndetectedAppNamesTheUsersDirectory(t *testing.T) {
	app := t.TempDir()
	code, stdout, stderr := kiln(nil, "build", "--cache", t.TempDir(), app)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "no buildpack detected for "+app+"\n")
	assert.NoDirExists(t, filepath.Join(app, ".kiln"), "nothing is written for an app kiln cannot build")
}

func TestURLCredentialsAreNeverPrinted(t *testing.T) {
	app := writeApp(t, map[string]string{"package.json": `{"name":"x","engines":{"node":"24.x"}}`})
	env := buildpack.Env{"PATH": os.Getenv("PATH"), "NPM_CONFIG_REGISTRY": "http://user:s3cret-pw@127.0.0.1:1/"}
	for _, args := range [][]string{{"plan", app}, {"plan", "--json", app}} {
		code, stdout, stderr := kiln(env, args...)
		assert.NotContains(t, stdout+stderr, "s3cret-pw", args)
		if code == 0 {
			assert.Contains(t, stdout, "user:[redacted]@127.0.0.1:1", args)
		}
	}
}

// TestPlanDescribesTheBuildItIsFor: kiln plan describes kiln build (the
// host's PHP unless KILN_PHP_RUNTIME says otherwise), --for compile
// describes bin/compile (the runtime repository).
func TestPlanDescribesTheBuildItIsFor(t *testing.T) {
	app := filepath.Join("..", "..", "examples", "php-classic")
	source := func(args ...string) string {
		code, stdout, stderr := kiln(buildpacktest.RepositoryEnv(), append([]string{"plan", "--json"}, append(args, app)...)...)
		require.Equal(t, 0, code, stderr)
		var p buildpack.Plan
		require.NoError(t, json.Unmarshal([]byte(stdout), &p))
		return p.Settings["runtime_source"]
	}
	assert.Equal(t, "system", source(), "like kiln build")
	assert.Equal(t, "repository", source("--for", "compile"), "like bin/compile")
	assert.Equal(t, "repository", source("--env", "KILN_PHP_RUNTIME=repository"))
	code, _, stderr := kiln(buildpack.Env{}, "plan", "--for", "deploy", app)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "want build or compile")
}

// TestCompileWithoutRepositoryFailsAtOnce: bin/compile (kiln compile) of a
// PHP app with nothing configured fails while planning, before any
// download, saying what to set; the repository's trust settings cannot
// come from ENV_DIR.
func TestCompileWithoutRepositoryFailsAtOnce(t *testing.T) {
	app := writeApp(t, map[string]string{"index.php": "<?php echo 1;"})
	code, stdout, stderr := kiln(buildpack.Env{}, "compile", app, t.TempDir())
	assert.Equal(t, 1, code)
	assert.NotContains(t, stdout, "Installing PHP")
	assert.Contains(t, stderr, " !     No PHP runtime repository is configured: PHP_BASE_URL is not set\n")
	assert.Contains(t, stderr, "KILN_RUNTIME_PUBLIC_KEY")
	assert.Contains(t, stderr, "KILN_PHP_RUNTIME=system")
	// bin/release, which platforms run without the build's ENV_DIR, only
	// needs the processes.
	code, stdout, stderr = kiln(buildpack.Env{}, "release", app)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "web: .kiln/bin/kiln php-boot")

	envDir := writeApp(t, map[string]string{"PHP_BASE_URL": "http://127.0.0.1:1/php", "KILN_RUNTIME_PUBLIC_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"KILN_RUNTIME_UNSIGNED": "true", "KILN_EXTRA_VERSIONS": "php=8.2.32"})
	code, stdout, stderr = kiln(buildpack.Env{}, "compile", app, t.TempDir(), envDir)
	assert.Equal(t, 1, code)
	for _, name := range []string{"KILN_RUNTIME_PUBLIC_KEY", "KILN_RUNTIME_UNSIGNED", "KILN_EXTRA_VERSIONS"} {
		assert.Contains(t, stdout, "Ignoring "+name+" from the environment directory", name)
	}
	assert.Contains(t, stderr, "KILN_RUNTIME_PUBLIC_KEY is not set", "PHP_BASE_URL comes from ENV_DIR, the key may not")
}

// TestEnvDirValuesAsTheShellReadsThem checks that variable files written
// with a trailing newline (printf '%s\n', as platforms write them) mean
// their value without it.
func TestEnvDirValuesAsTheShellReadsThem(t *testing.T) {
	app := writeApp(t, map[string]string{"package.json": `{"engines": {"node": "24.x"}, "scripts": {"build": "true"}}`, "package-lock.json": `{"lockfileVersion": 3, "packages": {}}`})

	envDir := writeApp(t, map[string]string{"NODE_ENV": "production\n"})
	code, stdout, stderr := kiln(buildpack.Env{}, "plan", "--env-dir", envDir, app)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "prune-dev-dependencies", "NODE_ENV=production\\n prunes devDependencies")
	assert.NotContains(t, stdout, "NODE_ENV is")

	envDir = writeApp(t, map[string]string{"NPM_CONFIG_PRODUCTION": "true\n"})
	code, stdout, stderr = kiln(buildpack.Env{}, "plan", "--env-dir", envDir, app)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "npm ci --omit=dev", "NPM_CONFIG_PRODUCTION=true\\n installs without devDependencies")
}
