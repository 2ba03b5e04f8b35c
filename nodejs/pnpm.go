package nodejs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-dev/kiln/buildpack"
)

// The pnpm store in the build cache is pruned every storePruneEvery pnpm
// builds, as on the reference platform; the number of builds left is kept in
// CACHE_DIR/node/<storePruneCounter>.
const (
	storePruneEvery   = 40
	storePruneCounter = "pnpm-store-prune-counter"
)

// pnpmWorkspace describes the app's pnpm workspace, or returns "" when the
// app is not one (pnpm-workspace.yaml without a packages list only holds
// settings).
func pnpmWorkspace(app string, pm pmChoice) string {
	if pm.name != "pnpm" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(app, "pnpm-workspace.yaml"))
	if err != nil {
		return ""
	}
	var ws struct {
		Packages []string `yaml:"packages"`
	}
	if yaml.Unmarshal(b, &ws) != nil || len(ws.Packages) == 0 {
		return ""
	}
	return fmt.Sprintf("pnpm-workspace.yaml packages %s: installed and pruned together from the root", strings.Join(ws.Packages, ", "))
}

// pnpmStorePrune counts down the builds until the next store prune and runs
// `pnpm store prune` when the count reaches zero. Pruning the store is
// housekeeping: when it fails the build goes on, with a warning, and the
// next build tries again.
func (c *compiler) pnpmStorePrune(s buildpack.Step) error {
	path := filepath.Join(c.cacheRoot(), storePruneCounter)
	left := readCounter(path) - 1
	if left > 0 {
		return writeCounter(path, left)
	}
	c.log.Header("Cleaning up the pnpm store")
	if err := c.exec(s); err != nil {
		c.log.Warn("pnpm store prune failed (%v); the store is left as it is and the next build tries again", err)
		return writeCounter(path, 1)
	}
	return writeCounter(path, storePruneEvery)
}

// readCounter returns the builds left before the next store prune; a
// missing, unreadable or out-of-range counter starts a new period.
func readCounter(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return storePruneEvery
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 || n > storePruneEvery {
		return storePruneEvery
	}
	return n
}

// writeCounter stores the counter atomically.
func writeCounter(path string, n int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing the pnpm store prune counter: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(n)+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing the pnpm store prune counter: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing the pnpm store prune counter: %w", err)
	}
	return nil
}

// profilePNPM keeps pnpm 11 from reinstalling the dependencies before `pnpm
// run` in the slug, which runs from another directory than the build's.
const profilePNPM = `# Written by kiln's Node.js buildpack: pnpm 11 and later reinstall the
# dependencies before ` + "`pnpm run`" + ` when the project moved since its install,
# as the slug has; a warning is enough. Overridable.
export pnpm_config_verify_deps_before_run="${pnpm_config_verify_deps_before_run:-warn}"
`

// writePNPMProfile writes .profile.d/pnpm.sh.
func (c *compiler) writePNPMProfile(buildpack.Step) error {
	return c.writeProfileScript("pnpm.sh", profilePNPM)
}
