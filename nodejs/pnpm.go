package nodejs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/internal/atomicfile"
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
	if err := atomicfile.Write(path, []byte(strconv.Itoa(n)+"\n"), 0o644); err != nil {
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

// pnpmIgnoreScripts is the first pnpm whose prune accepts --ignore-scripts;
// older ones reject it as an unknown option.
const pnpmIgnoreScripts = "8.15.6"

// pnpmPruneSkipped starts the reason of a prune skipped for an old pnpm.
const pnpmPruneSkipped = "Pruning skipped: "

// pnpmLifecycle lists the install lifecycle scripts package.json defines:
// the scripts a pnpm older than pnpmIgnoreScripts runs again while it
// prunes.
func pnpmLifecycle(pkg pkgJSON) []string {
	var out []string
	for _, name := range []string{"pnpm:devPreinstall", "preinstall", "install", "postinstall", "prepare"} {
		if body, ok := pkg.script(name); ok && body != "" {
			out = append(out, name)
		}
	}
	return out
}

// pnpmPrunesWithoutScripts reports whether pnpm version (exact) accepts
// `pnpm prune --ignore-scripts`.
func pnpmPrunesWithoutScripts(version string) bool {
	v, err := semver.NewVersion(version)
	return err != nil || !v.LessThan(semver.MustParse(pnpmIgnoreScripts))
}

// pnpmPruneCommand is the prune command of pnpm version, or why pruning is
// skipped. An exact version older than 8.15.6 prunes without
// --ignore-scripts, which it does not know, unless package.json has
// lifecycle scripts that it would then run: pruning is skipped instead, as
// on the reference platform. A range is decided by the compiler once pnpm
// is installed (pnpmPruneForInstalled).
func pnpmPruneCommand(version string, lifecycle []string) ([]string, string) {
	// In a workspace, pnpm prunes every project and first asks, on a
	// terminal, before removing a project's modules directory; with no
	// terminal it aborts (ERR_PNPM_ABORTED_REMOVE_MODULES_DIR_NO_TTY)
	// unless confirmModulesPurge is off. Only the projects' links are
	// removed: the packages, as built, stay in node_modules/.pnpm.
	modern := []string{"pnpm", "prune", "--prod", "--ignore-scripts", "--config.confirm-modules-purge=false"}
	if !isExact(version) || pnpmPrunesWithoutScripts(version) {
		return modern, ""
	}
	if len(lifecycle) > 0 {
		return nil, pnpmPruneSkipText(version, lifecycle)
	}
	return withoutArg(modern, "--ignore-scripts"), ""
}

// pnpmPruneSkipText says why a pnpm older than 8.15.6 does not prune.
func pnpmPruneSkipText(version string, lifecycle []string) string {
	return fmt.Sprintf(pnpmPruneSkipped+"pnpm %s cannot prune without running the lifecycle scripts of package.json (%s) again; "+
		"pnpm %s or later can. To prune, upgrade pnpm (packageManager in package.json); to keep devDependencies quietly, set PNPM_SKIP_PRUNING=true",
		version, strings.Join(lifecycle, ", "), pnpmIgnoreScripts)
}

// pnpmPruneCheckText is the sentence of PNPMPruneCheck.
func pnpmPruneCheckText() string {
	return "the prune command depends on the pnpm the range installs: older than " + pnpmIgnoreScripts +
		" prunes without --ignore-scripts, or skips pruning when package.json has install lifecycle scripts"
}

// withoutArg returns cmd without the argument arg.
func withoutArg(cmd []string, arg string) []string {
	out := make([]string, 0, len(cmd))
	for _, a := range cmd {
		if a != arg {
			out = append(out, a)
		}
	}
	return out
}

// pnpmVersionIn is the version of the pnpm installed in the Node.js prefix
// nodeHome.
func pnpmVersionIn(nodeHome string) (string, error) {
	b, err := os.ReadFile(filepath.Join(nodeHome, "lib", "node_modules", "pnpm", "package.json"))
	if err != nil {
		return "", fmt.Errorf("reading the installed pnpm's version: %w", err)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Version == "" {
		return "", fmt.Errorf("reading the installed pnpm's version: no version in its package.json (%v)", err)
	}
	return pkg.Version, nil
}

// prunePNPM runs the pnpm prune step planned for a version range: the
// command the installed pnpm accepts, or the reason it is skipped.
func (c *compiler) prunePNPM(s buildpack.Step) error {
	v, err := pnpmVersionIn(c.nodeHome())
	if err != nil {
		return err
	}
	cmd, skip := pnpmPruneCommand(v, c.set.PNPMLifecycle)
	if cmd == nil {
		c.log.Header("%s", header(s.Name))
		c.log.Warn("%s", skip)
		return nil
	}
	s.Command = cmd
	return c.run(s)
}
