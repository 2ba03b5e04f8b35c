package nodejs

import (
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// brokenNode lists the Node.js releases known to break builds: what goes
// wrong and the release that fixes it. The reference platform warns about
// the same releases.
func brokenNode(version string) (problem, fixed string, ok bool) {
	switch version {
	case "22.5.0":
		return "a regression in this release makes npm crash or hang while it installs packages", "22.5.1", true
	}
	return "", "", false
}

// warnBrokenNode warns when the planned Node.js is a known-broken release.
func (pl *planner) warnBrokenNode(version string) {
	if problem, fixed, ok := brokenNode(version); ok {
		pl.plan.Warn(fmt.Sprintf(`Node.js %s is known to be broken: %s. Request %s or later, e.g. "engines": {"node": "%d.x"}.`,
			version, problem, fixed, majorOf(version)))
	}
}

// twiceDeclared is the warning for a package manager that package.json
// declares both in packageManager and in engines.<name>: packageManager
// wins, as on the reference platform.
func twiceDeclared(title, name, engines, field, version string) string {
	agree := "it agrees with engines"
	if !satisfies(version, engines) {
		agree = fmt.Sprintf("engines.%s %q does not allow it", name, engines)
	}
	return fmt.Sprintf("package.json declares %s twice, in packageManager (%s) and in engines.%s (%s): kiln uses packageManager's %s %s (%s). Keep one declaration, packageManager, and remove engines.%s.",
		title, field, name, engines, name, version, agree, name)
}

// warnBerry warns about configuration Yarn 2+ does not read, and about a
// vendored release (yarnPath) that is not the declared version: that
// release is the Yarn that runs.
func (c *pmChoice) warnBerry(app string, p *buildpack.Plan) {
	if fileExists(app, ".npmrc") {
		p.Warn("There is an .npmrc file, but Yarn 2 and later do not read it (kiln still takes the registry from it to download Yarn). Move its settings to .yarnrc.yml: npmRegistryServer, npmAuthToken, npmScopes.")
	}
	if fileExists(app, ".yarnrc") {
		p.Warn("There is a .yarnrc file, but Yarn 2 and later only read .yarnrc.yml. Move its settings to .yarnrc.yml and delete .yarnrc.")
	}
	vendored := c.vendoredVersion()
	if c.yarnPath == "" || c.source == srcDefault || vendored == c.version || (vendored != "" && satisfies(vendored, c.version)) {
		return
	}
	runs := "the vendored release " + c.yarnPath
	if vendored != "" {
		runs = fmt.Sprintf("the vendored Yarn %s (%s)", vendored, c.yarnPath)
	}
	declared, _, _ := strings.Cut(c.requested, "+")
	p.Warn(fmt.Sprintf(".yarnrc.yml's yarnPath conflicts with %s %q: kiln installs yarn %s, which hands every command to %s, so that is the Yarn that runs. Remove yarnPath and the release file to use the declared version, or declare the vendored one.",
		c.source, declared, c.version, runs))
}

// vendoredVersion is the version of the vendored Yarn release (yarnPath)
// read from its file name, "" when there is none or the name says nothing.
func (c *pmChoice) vendoredVersion() string {
	if m := yarnRelease.FindStringSubmatch(c.yarnPath); c.yarnPath != "" && m != nil {
		return m[1]
	}
	return ""
}

// pmRuntime is the package manager's runtime as the plan reports it: the
// Yarn that runs, which is the vendored release when .yarnrc.yml has a
// yarnPath (the installed yarn only hands commands to it), and the version
// kiln installs, the launcher, when it differs.
func pmRuntime(pm pmChoice) (rt buildpack.Runtime, launcher string) {
	rt = buildpack.Runtime{Name: pm.name, Version: pm.version, Requested: pm.requested, Source: pm.source}
	if v := pm.vendoredVersion(); pm.name == "yarn" && v != "" && v != pm.version {
		return buildpack.Runtime{Name: "yarn", Version: v, Requested: pm.yarnPath, Source: ".yarnrc.yml yarnPath"}, pm.version
	}
	return rt, ""
}
