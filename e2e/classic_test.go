package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestClassicContract calls bin/detect, bin/compile and bin/release of this
// repository as a platform does. The first call builds bin/kiln with Go when
// it is missing, as on a fresh clone.
func TestClassicContract(t *testing.T) {
	skipShort(t)
	root := repoRoot(t)
	bin := filepath.Join(root, "bin")
	examples := filepath.Join(root, "examples")
	env := hostEnv()

	r := runCmd(t, env, "", filepath.Join(bin, "detect"), filepath.Join(examples, "nodejs-express"))
	require.Equal(t, 0, r.code, describe(r))
	assert.Equal(t, "Node.js\n", r.stdout)

	r = runCmd(t, env, "", filepath.Join(bin, "detect"), filepath.Join(examples, "php-classic"))
	assert.Equal(t, 0, r.code, describe(r))
	assert.Equal(t, "PHP (classic)\n", r.stdout)

	r = runCmd(t, env, "", filepath.Join(bin, "detect"), t.TempDir())
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, " !     no buildpack detected for ", "bin/detect says why on stderr")

	t.Run("compile with two arguments, configuration from the environment", func(t *testing.T) {
		build := copyTree(t, filepath.Join(examples, "php-classic"))
		r := runCmd(t, hostEnv("KILN_PHP_RUNTIME=system"), "", filepath.Join(bin, "compile"), build, t.TempDir())
		require.Equal(t, 0, r.code, describe(r))
		assert.Contains(t, r.stdout, "-----> ")
		checkRelease(t, bin, build)
	})

	t.Run("compile with three arguments, configuration from ENV_DIR", func(t *testing.T) {
		build := copyTree(t, filepath.Join(examples, "php-classic"))
		envDir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(envDir, "KILN_PHP_RUNTIME"), []byte("system"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(envDir, "PATH"), []byte("/nowhere"), 0o644))
		r := runCmd(t, hostEnv(), "", filepath.Join(bin, "compile"), build, t.TempDir(), envDir)
		require.Equal(t, 0, r.code, describe(r))
		assert.Contains(t, r.stdout, "Ignoring PATH", "a denied ENV_DIR variable is reported, not applied")
		checkRelease(t, bin, build)
	})

	t.Run("compile of a PHP app with no runtime repository configured says what to set", func(t *testing.T) {
		build := copyTree(t, filepath.Join(examples, "php-classic"))
		r := runCmd(t, hostEnv("PHP_BASE_URL=", "KILN_PHP_RUNTIME="), "", filepath.Join(bin, "compile"), build, t.TempDir())
		assert.Equal(t, 1, r.code, describe(r))
		assert.Contains(t, r.stderr, "No PHP runtime repository is configured: PHP_BASE_URL is not set")
		assert.Contains(t, r.stderr, "KILN_RUNTIME_PUBLIC_KEY")
		assert.Contains(t, r.stderr, "KILN_PHP_RUNTIME=system")
		assert.NoDirExists(t, filepath.Join(build, "vendor", "php"))
	})

	t.Run("compile failure exits non-zero with a message", func(t *testing.T) {
		build := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(build, "package.json"), []byte("{\n  \"name\": \"x\",\n  oops\n}\n"), 0o644))
		r := runCmd(t, env, "", filepath.Join(bin, "compile"), build, t.TempDir())
		assert.Equal(t, 1, r.code, describe(r))
		assert.Contains(t, r.stderr, "package.json")
		assert.Contains(t, r.stderr, "line 3")
	})
}

func checkRelease(t *testing.T, bin, build string) {
	t.Helper()
	r := runCmd(t, hostEnv(), "", filepath.Join(bin, "release"), build)
	require.Equal(t, 0, r.code, describe(r))
	var rel struct {
		Addons              []string          `yaml:"addons"`
		DefaultProcessTypes map[string]string `yaml:"default_process_types"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &rel), r.stdout)
	assert.NotEmpty(t, rel.DefaultProcessTypes["web"], r.stdout)
}

// TestPackagedBuildpackWithoutGo builds the tarball with make package and
// uses it, with no Go on PATH, to compile the Node.js example.
func TestPackagedBuildpackWithoutGo(t *testing.T) {
	skipShort(t)
	root := repoRoot(t)
	version := fmt.Sprintf("e2e%d", time.Now().UnixNano())
	r := runCmd(t, hostEnv("VERSION="+version), root, "make", "package", "VERSION="+version)
	require.Equal(t, 0, r.code, describe(r))
	tgz := filepath.Join(root, "dist", "kiln-buildpack-"+version+"-linux-amd64.tgz")
	require.FileExists(t, tgz)
	t.Cleanup(func() { os.Remove(tgz) })

	bp := t.TempDir()
	r = runCmd(t, hostEnv(), bp, "tar", "-xzf", tgz)
	require.Equal(t, 0, r.code, describe(r))
	for _, f := range []string{"bin/detect", "bin/compile", "bin/release", "bin/kiln"} {
		assert.FileExists(t, filepath.Join(bp, f))
	}

	noGo := hostEnv("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	build := copyTree(t, filepath.Join(root, "examples", "nodejs-express"))
	r = runCmd(t, noGo, "", "bash", "-c", "command -v go || echo no-go")
	require.Equal(t, "no-go\n", r.stdout, "go must not be on PATH for this test")

	r = runCmd(t, noGo, "", filepath.Join(bp, "bin", "compile"), build, t.TempDir())
	require.Equal(t, 0, r.code, describe(r))
	assert.DirExists(t, filepath.Join(build, "node_modules", "express"))
	// $BP_DIR/export, for the buildpacks that follow in a multi-buildpack build.
	r = runCmd(t, noGo, "", "bash", "-c", `. "$1/export" && command -v node && echo "$NODE_HOME"`, "bash", bp)
	require.Equal(t, 0, r.code, describe(r))
	assert.Equal(t, build+"/.scalingo/node/bin/node\n"+build+"/.scalingo/node\n", r.stdout)
	r = runCmd(t, noGo, "", filepath.Join(bp, "bin", "release"), build)
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stdout, "web:")
}
