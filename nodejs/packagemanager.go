package nodejs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// Pinned defaults: a build never installs whatever "latest" happens to be.
const (
	defaultYarn = "1.22.22" // the final Yarn 1 release
	defaultPNPM = "10.34.8" // newest pnpm 10: lockfile v9, runs on Node.js 18+
)

// pmChoice is the package manager a build uses and how it was chosen.
type pmChoice struct {
	name      string // npm, yarn or pnpm
	lockfile  string // the lockfile present, or ""
	berry     bool   // Yarn 2 or later
	version   string // exact version or a range resolved against the registry
	requested string
	source    string
	pkg       string // registry package providing it
	integrity string // packageManager hash, "sha512.<hex>", or ""
	yarnPath  string // vendored Yarn release from .yarnrc.yml
	linker    string // Yarn 2+ nodeLinker
	// lifecycle are package.json's install lifecycle scripts (pnpm only).
	lifecycle []string
}

// choosePackageManager selects npm, Yarn or pnpm from the lockfile and the
// package.json declarations (checkDeclarations has already run).
func choosePackageManager(app string, pkg pkgJSON, env buildpack.Env, p *buildpack.Plan) (pmChoice, error) {
	pmField := pkg.str("packageManager")
	pmName, pmVersion, _ := strings.Cut(pmField, "@")
	pmName = strings.TrimSpace(pmName)
	var c pmChoice
	switch {
	case fileExists(app, "yarn.lock"):
		c = pmChoice{name: "yarn", lockfile: "yarn.lock", berry: isBerryLockfile(app)}
	case fileExists(app, "pnpm-lock.yaml"):
		c = pmChoice{name: "pnpm", lockfile: "pnpm-lock.yaml"}
	case pmName == "yarn":
		c = pmChoice{name: "yarn"}
	case pmName == "pnpm" || pkg.engine("pnpm") != "":
		c = pmChoice{name: "pnpm"}
	default:
		c = pmChoice{name: "npm"}
		if v := pkg.engine("yarn"); v != "" {
			// As on the reference platform: without Yarn's lockfile the
			// app is not a Yarn app, engines.yarn only constrains.
			p.Warn(fmt.Sprintf("package.json declares engines.yarn %q but the app has no yarn.lock: installing with npm. To build with Yarn, commit yarn.lock (or declare \"packageManager\": \"yarn@<version>\").", v))
		}
		for _, l := range []string{"npm-shrinkwrap.json", "package-lock.json"} {
			if fileExists(app, l) {
				c.lockfile = l
				break
			}
		}
		return c, nil
	}
	if pmField != "" && pmName != c.name {
		return c, &buildpack.UserError{
			Msg:  fmt.Sprintf("package.json declares packageManager %q but the app's lockfile is %s", pmField, c.lockfile),
			Hint: fmt.Sprintf("Set packageManager to the %s version that wrote %s, or remove the field.", c.name, c.lockfile),
		}
	}
	if pmField != "" {
		if err := c.fromPackageManagerField(pmField, pmVersion); err != nil {
			return c, err
		}
	}
	if c.name == "yarn" {
		return c, c.planYarn(app, pkg, env, p)
	}
	return c, c.planPNPM(pkg, p)
}

// fromPackageManagerField records the version and integrity hash of
// packageManager ("yarn@4.9.2+sha512.<hex>").
func (c *pmChoice) fromPackageManagerField(field, version string) error {
	version, _, _ = strings.Cut(version, "#")
	ver, _, _ := strings.Cut(version, "+")
	if _, err := semver.StrictNewVersion(ver); err != nil {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("package.json packageManager %q does not name an exact version", field),
			Hint: fmt.Sprintf(`Use the form "%s@<major>.<minor>.<patch>", e.g. what `+"`%s --version`"+` prints.`, c.name, c.name),
		}
	}
	sum, err := fetch.PackageManagerHash(version)
	if err != nil {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("package.json packageManager %q has an unreadable hash: %v", field, err),
			Hint: "Write the hash as +sha512.<hex> or +sha256.<hex>, or drop the part after +.",
		}
	}
	c.version, c.requested, c.source = ver, field, "package.json packageManager"
	if !sum.IsZero() {
		c.integrity = sum.Algo + "." + fmt.Sprintf("%x", sum.Digest)
	}
	return nil
}

// isBerryLockfile reports whether yarn.lock was written by Yarn 2 or later:
// such lockfiles are YAML documents with a __metadata entry.
func isBerryLockfile(app string) bool {
	b, err := os.ReadFile(filepath.Join(app, "yarn.lock"))
	if err != nil {
		return false
	}
	return bytes.HasPrefix(b, []byte("__metadata:")) || bytes.Contains(b, []byte("\n__metadata:"))
}

// planYarn settles the Yarn version, the package providing it and the
// vendored release, and rejects configurations Yarn 2+ cannot build.
func (c *pmChoice) planYarn(app string, pkg pkgJSON, env buildpack.Env, p *buildpack.Plan) error {
	engines := pkg.engine("yarn")
	switch {
	case c.version != "" && engines != "":
		p.Warn(twiceDeclared("Yarn", "yarn", engines, c.requested, c.version))
	case engines != "":
		c.version, c.requested, c.source = engines, engines, "package.json engines.yarn"
	case c.version == "":
		c.version, c.source = defaultYarn, srcDefault
	}
	if err := c.readYarnrc(app); err != nil {
		return err
	}
	if c.lockfile == "" {
		c.berry = majorOf(c.version) >= 2
	}
	if c.berry {
		if err := c.checkBerry(env); err != nil {
			return err
		}
		c.warnBerry(app, p)
	}
	c.pkg = yarnPackage(c.version)
	return nil
}

// checkBerry rejects Yarn 2+ builds that cannot work.
func (c *pmChoice) checkBerry(env buildpack.Env) error {
	if _, ok := env.Lookup("YARN_PRODUCTION"); ok {
		return &buildpack.UserError{
			Msg:  "YARN_PRODUCTION is set, but this app uses Yarn 2 or later, which does not support it",
			Hint: "Unset YARN_PRODUCTION. To keep devDependencies after the build, set YARN2_SKIP_PRUNING=true instead.",
		}
	}
	if majorOf(c.version) < 2 && c.yarnPath == "" {
		return &buildpack.UserError{
			Msg:  "yarn.lock was written by Yarn 2 or later, but package.json does not say which Yarn version to use",
			Hint: `Add the version to package.json, e.g. "packageManager": "yarn@4.9.2" (run ` + "`yarn --version`" + ` in the project to see yours).`,
		}
	}
	return nil
}

// readYarnrc reads yarnPath and nodeLinker from .yarnrc.yml; a yarnPath that
// points to a missing file is an error.
func (c *pmChoice) readYarnrc(app string) error {
	b, err := os.ReadFile(filepath.Join(app, ".yarnrc.yml"))
	if err != nil {
		return nil
	}
	var rc struct {
		YarnPath   string `yaml:"yarnPath"`
		NodeLinker string `yaml:"nodeLinker"`
	}
	if err := yaml.Unmarshal(b, &rc); err != nil {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("Unable to parse .yarnrc.yml: %v", err),
			Hint: "Fix the YAML syntax of .yarnrc.yml.",
		}
	}
	c.linker = rc.NodeLinker
	if rc.YarnPath == "" {
		return nil
	}
	if _, err := fetch.SafeJoin(app, rc.YarnPath); err != nil || !fileExists(app, rc.YarnPath) {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("Yarn was not found: .yarnrc.yml sets yarnPath to %q, but that file is not in the app", rc.YarnPath),
			Hint: "Commit the Yarn release (.yarn/releases/…) or remove yarnPath and declare \"packageManager\": \"yarn@<version>\" in package.json.",
		}
	}
	c.yarnPath = filepath.ToSlash(filepath.Clean(rc.YarnPath))
	return nil
}

// planPNPM settles the pnpm version.
func (c *pmChoice) planPNPM(pkg pkgJSON, p *buildpack.Plan) error {
	engines := pkg.engine("pnpm")
	switch {
	case c.version != "" && engines != "":
		p.Warn(twiceDeclared("pnpm", "pnpm", engines, c.requested, c.version))
	case c.version != "":
	case engines != "":
		c.version, c.requested, c.source = engines, engines, "package.json engines.pnpm"
	default:
		c.version, c.source = defaultPNPM, srcDefault
		p.Warn(fmt.Sprintf(`package.json declares no pnpm version: kiln installs pnpm %s, its default, which may change in a later kiln. Pin the version you use, e.g. "packageManager": "pnpm@%s" (see `+"`pnpm --version`"+`).`, defaultPNPM, defaultPNPM))
	}
	c.pkg = "pnpm"
	c.lifecycle = pnpmLifecycle(pkg)
	return nil
}

// satisfies reports whether version matches the npm-style range; anything
// unparsable counts as not matching.
func satisfies(version, rng string) bool {
	v, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	cons, err := semver.NewConstraint(rng)
	if err != nil {
		return false
	}
	return cons.Check(v)
}

// yarnRelease matches the file name of a vendored Yarn release
// (.yarn/releases/yarn-3.6.4.cjs).
var yarnRelease = regexp.MustCompile(`yarn-(\d+\.\d+\.\d+[^/]*?)\.c?js$`)

// yarnPackage is the registry package that provides Yarn version: yarn for
// Yarn 1 and for the Yarn 2 releases published only there (2.0.0 release
// candidates, 2.4.3), @yarnpkg/cli-dist for the others (2.4.1 onwards) and
// for ranges of Yarn 2+.
func yarnPackage(version string) string {
	switch m := majorOf(version); {
	case m < 2:
		return "yarn"
	case m == 2 && isExact(version) && version != "2.4.1" && version != "2.4.2":
		return "yarn"
	}
	return "@yarnpkg/cli-dist"
}

// berryVersion is the exact Yarn 2+ version that will run: the vendored
// release's, else the planned version when exact; "" when unknown.
func (c *pmChoice) berryVersion() string {
	if c.yarnPath != "" {
		return c.vendoredVersion()
	}
	if isExact(c.version) {
		return c.version
	}
	return ""
}

// knowsTelemetry reports whether the Yarn 2+ that runs knows the
// enableTelemetry setting (Yarn 2.2 and later): 2.0 and 2.1 abort on a
// setting they do not know. A range installs @yarnpkg/cli-dist, 2.4.1 at
// the oldest; an unknown vendored release gets no setting.
func (c *pmChoice) knowsTelemetry() bool {
	v := c.berryVersion()
	if v == "" {
		return c.yarnPath == ""
	}
	sv, err := semver.NewVersion(v)
	return err == nil && !sv.LessThan(semver.MustParse("2.2.0-0"))
}
