package stacks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The differential tests run kiln's grammars against the reference
// implementations. They need:
//
//	npm ranges:           node and npm on PATH, and the npm registry (once:
//	                      the package is cached under os.TempDir()).
//	Composer constraints: php on PATH and composer/semver at
//	                      /usr/share/php/Composer/Semver (Debian/Ubuntu:
//	                      apt-get install -y composer php-cli).
//
// Without them the tests skip, except when CI=true: then they fail, so
// that CI never silently stops comparing.

// missingTool skips the test, or fails it when CI is "true".
func missingTool(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: the differential tests must run; install the tool)", msg)
	}
	t.Skipf("%s; skipping (with CI=true this fails)", msg)
}

// npmSemverSpec pins the npm package Node.js ranges are checked against:
// npm itself uses semver 7 to check package.json engines.
const npmSemverSpec = "semver@7.8.6"

// npmSemverModule returns the directory of the installed semver package,
// installing it with npm into a cache directory under os.TempDir() keyed by
// npmSemverSpec when needed.
func npmSemverModule(t testing.TB) (node, module string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missingTool(t, "node is not on PATH (apt-get install -y nodejs npm)")
	}
	cache := filepath.Join(os.TempDir(), "kiln-test-npm-"+npmSemverSpec)
	module = filepath.Join(cache, "node_modules", "semver")
	if _, err := os.Stat(filepath.Join(module, "package.json")); err == nil {
		return node, module
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		missingTool(t, "npm is not on PATH (apt-get install -y nodejs npm)")
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "kiln-test-npm-install-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(npm, "install", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error", npmSemverSpec)
	if out, err := cmd.CombinedOutput(); err != nil {
		missingTool(t, "npm install %s failed: %v\n%s", npmSemverSpec, err, out)
	}
	// Rename into place so that a concurrent or interrupted run never sees
	// a half-installed package; losing the race to another run is fine.
	if err := os.Rename(tmp, cache); err != nil {
		if _, statErr := os.Stat(filepath.Join(module, "package.json")); statErr != nil {
			t.Fatalf("caching %s: %v", npmSemverSpec, err)
		}
	}
	return node, module
}

// composerSemverAutoload is where Debian's composer package installs
// composer/semver.
const composerSemverAutoload = "/usr/share/php/Composer/Semver/autoload.php"

// composerSemver returns the php binary and composer/semver's autoloader.
func composerSemver(t testing.TB) (php, autoload string) {
	t.Helper()
	php, err := exec.LookPath("php")
	if err != nil {
		missingTool(t, "php is not on PATH (apt-get install -y composer php-cli)")
	}
	if _, err := os.Stat(composerSemverAutoload); err != nil {
		missingTool(t, "composer/semver is not installed at %s (apt-get install -y composer php-cli)", composerSemverAutoload)
	}
	return php, composerSemverAutoload
}

// runJSON runs a program with in as JSON on stdin and decodes its stdout.
func runJSON(t *testing.T, cmd *exec.Cmd, in, out any) {
	t.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdin = bytes.NewReader(raw)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running %s: %v\n%s", cmd.Path, err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("decoding the output of %s: %v\n%s", cmd.Path, err, stdout.String())
	}
}
