// Package diagnose recognises the common failures of npm, Yarn, pnpm,
// node-gyp and build scripts in what they printed, and says what to do
// about each. It only reads: the caller has already printed the output, and
// prints the advice after it.
//
// The rules are a table (rules), tried in order; the first that recognises
// the output gives the advice. Every pattern was taken from the real output
// of the tool, kept in testdata/ with the test that proves the match.
package diagnose

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Failure is what is known of a failed command.
type Failure struct {
	// Output is what the command printed (stdout and stderr as they were
	// shown), or its last part.
	Output string
	// ExitCode is the command's exit status.
	ExitCode int
	// Manager is the package manager of the build: npm, yarn or pnpm.
	Manager string
	// Lockfile is the lockfile of the build, "" for none.
	Lockfile string
	// Registry is the npm registry the build uses.
	Registry string
	// DevOmitted names the setting that kept devDependencies out of the
	// install ("NPM_CONFIG_PRODUCTION=true"), "" when they were installed.
	DevOmitted string
	// Pruned is whether devDependencies were pruned before the command.
	Pruned bool
	// Script is whether the command runs one of the app's scripts (build,
	// hooks) rather than the package manager's install or prune: a host
	// the script cannot reach is then not the registry.
	Script bool
	// Dependencies and DevDependencies are the package names package.json
	// lists.
	Dependencies, DevDependencies []string
}

// Advice is what to do about a recognised failure.
type Advice struct {
	// Rule names the rule that recognised the failure, e.g.
	// "lockfile-out-of-sync".
	Rule string
	// Text is the advice, one line.
	Text string
}

// rule recognises one kind of failure: find returns the submatches of its
// pattern (nil when the output does not show the failure), advise the
// advice ("" to let the next rules try).
type rule struct {
	id     string
	find   func(f *Failure) []string
	advise func(f *Failure, m []string) string
}

// Diagnose returns the advice of the first rule that recognises the
// failure, and false when none does.
func Diagnose(f Failure) (Advice, bool) {
	for _, r := range rules() {
		m := r.find(&f)
		if m == nil {
			continue
		}
		if text := r.advise(&f, m); text != "" {
			return Advice{Rule: r.id, Text: text}, true
		}
	}
	return Advice{}, false
}

// Rules lists the rule IDs in the order they are tried.
func Rules() []string {
	var ids []string
	for _, r := range rules() {
		ids = append(ids, r.id)
	}
	return ids
}

// output matches re against the output.
func output(re string) func(f *Failure) []string {
	x := regexp.MustCompile(re)
	return func(f *Failure) []string { return x.FindStringSubmatch(f.Output) }
}

// fixed returns the same advice whatever matched.
func fixed(text string) func(*Failure, []string) string {
	return func(*Failure, []string) string { return text }
}

func rules() []rule {
	return []rule{
		{id: "lockfile-out-of-sync", find: output("`npm ci` can only install packages when your package\\.json and (package-lock\\.json|npm-shrinkwrap\\.json)"),
			advise: func(f *Failure, _ []string) string {
				lock := f.Lockfile
				if lock == "" {
					lock = "package-lock.json"
				}
				return fmt.Sprintf("%s is out of sync with package.json, so npm ci refuses to install. Run `npm install` in the project, commit %s and build again.", lock, lock)
			}},
		{id: "lockfile-out-of-sync", find: output("Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`"),
			advise: fixed("yarn.lock is out of sync with package.json, and the build installs with --frozen-lockfile. Run `yarn install` in the project, commit yarn.lock and build again.")},
		{id: "lockfile-out-of-sync", find: output(`YN0028: .*The lockfile would have been modified by this install, which is explicitly forbidden`),
			advise: fixed("yarn.lock is out of sync with package.json (YN0028), and the build installs with --immutable. Run `yarn install` in the project, commit yarn.lock and build again.")},
		{id: "lockfile-out-of-sync", find: output(`ERR_PNPM_OUTDATED_LOCKFILE`),
			advise: fixed("pnpm-lock.yaml is out of sync with package.json, and the build installs with --frozen-lockfile. Run `pnpm install` in the project, commit pnpm-lock.yaml and build again.")},
		{id: "peer-dependency-conflict", find: output(`(?m)code ERESOLVE$`),
			advise: fixed("npm cannot satisfy the peer dependencies named above (ERESOLVE). Make the versions in package.json agree, or set NPM_CONFIG_LEGACY_PEER_DEPS=true to install as npm 6 did, without peer dependencies.")},
		{id: "peer-dependency-conflict", find: output(`ERR_PNPM_PEER_DEP_ISSUES`),
			advise: fixed("pnpm found unmet peer dependencies (named above) and strict-peer-dependencies is on. Make the versions in package.json agree, or turn the setting off (strictPeerDependencies: false in pnpm-workspace.yaml, or strict-peer-dependencies=false in .npmrc).")},
		{id: "dependency-engine", find: output(`(?m)(?:npm error code EBADENGINE$[\s\S]*?Not compatible with your version of node/npm: (\S+)[\s\S]*?Required: (.*)|ERR_PNPM_UNSUPPORTED_ENGINE[\s\S]*?incompatible with "([^"]+)"[\s\S]*?Expected version: (.*))`),
			advise: func(_ *Failure, m []string) string {
				pkg, want := m[1]+m[3], strings.TrimSpace(m[2]+m[4])
				return fmt.Sprintf("The dependency %s does not support this Node.js (it requires %s), and engine-strict is on. Request a Node.js it supports in engines.node, upgrade the dependency, or turn engine-strict off (NPM_CONFIG_ENGINE_STRICT=false, or engine-strict in .npmrc).", pkg, want)
			}},
		{id: "out-of-memory", find: output(`JavaScript heap out of memory|Reached heap limit`),
			advise: fixed("Node.js ran out of heap memory. Raise its limit with NODE_OPTIONS=--max-old-space-size=<MB> (kiln's build default is 2560), below the memory of the build machine, or make the build use less.")},
		{id: "killed", find: func(f *Failure) []string {
			if f.ExitCode == 137 {
				return []string{"exit status 137"}
			}
			return regexp.MustCompile(`(?m)signal SIGKILL|^Killed$`).FindStringSubmatch(f.Output)
		}, advise: fixed("The command was killed (SIGKILL, exit status 137), most often because the build used more memory than the machine has. Keep Node.js below it with NODE_OPTIONS=--max-old-space-size=<MB>, or make the build use less.")},
		{id: "native-addon-python", find: output(`gyp ERR! find Python`),
			advise: fixed(toolchain("Python 3"))},
		{id: "native-addon-make", find: output(`gyp ERR! stack Error: not found: make`),
			advise: fixed(toolchain("make"))},
		{id: "native-addon-compiler", find: output(`(?m)make: (\S*(?:cc|gcc|g\+\+|c\+\+|clang\+*)): (?:No such file or directory|Command not found)`),
			advise: func(_ *Failure, m []string) string { return toolchain("a C/C++ compiler (" + m[1] + ")") }},
		{id: "native-addon-headers", find: output(`gyp: (\S*)common\.gypi not found|gyp ERR! .*(?:headers|tarball).*|gyp WARN install got an error`),
			advise: fixed("node-gyp found no usable Node.js headers. kiln serves the headers of the installed Node.js (NODEJS_ORG_MIRROR): remove npm_config_nodedir, npm_config_target or npm_config_disturl from .npmrc or the environment.")},
		{id: "native-addon-abi", find: output(`compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)`),
			advise: func(_ *Failure, m []string) string {
				return fmt.Sprintf("A native add-on was compiled for another Node.js (NODE_MODULE_VERSION %s; this Node.js needs %s), for instance in a committed node_modules. Rebuild it for this Node.js (`npm rebuild`), stop committing node_modules, or request the Node.js it was built for.", m[1], m[2])
			}},
		{id: "package-not-found", find: output(`404 Not Found - GET (\S+)`),
			advise: func(f *Failure, m []string) string {
				return fmt.Sprintf("The registry %s has no such package (404 for %s). Check the name and version in package.json; for a private package, that .npmrc names its registry and token.", host(m[1], f.Registry), redactURL(m[1]))
			}},
		{id: "registry-unreachable", find: output(`\b(ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ECONNRESET)\b|network timeout at:`),
			advise: func(f *Failure, m []string) string {
				what := m[1]
				if what == "" {
					what = "timeout"
				}
				u := regexp.MustCompile(`(?:request to|GET|timeout at:) (https?://\S+?)[:,]?(?:\s|$)`).FindStringSubmatch(f.Output)
				reg := f.Registry
				if u != nil {
					reg = u[1]
				}
				if f.Script {
					if u == nil {
						return ""
					}
					return fmt.Sprintf("The script could not reach %s (%s). Check that the build machine has network access to it (DNS, proxy, firewall), or do without it during the build.", host(reg, ""), what)
				}
				return fmt.Sprintf("The package registry %s could not be reached (%s). Check the registry set in .npmrc, .yarnrc.yml or NPM_CONFIG_REGISTRY, and that the build machine reaches it (DNS, proxy, firewall).", host(reg, f.Registry), what)
			}},
		{id: "missing-dev-dependency", find: output(`(?m)sh: \d+: ([^\s:]+): not found$|([^\s:]+): command not found$|Cannot find (?:module|package) '([^']+)'`),
			advise: missingDependency},
	}
}

// toolchain is the advice for a native add-on that cannot be compiled.
func toolchain(missing string) string {
	return "A native add-on failed to compile with node-gyp: the build machine has no " + missing +
		" (node-gyp needs Python 3, make and a C/C++ compiler). Use a version of the package that ships prebuilt binaries, or build on a stack that has these tools."
}

// missingDependency advises on a program or module the build does not
// find: a devDependency left out of the install or pruned, or a package
// package.json does not list.
func missingDependency(f *Failure, m []string) string {
	name := m[1] + m[2] + m[3]
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "/") || strings.HasPrefix(name, "node:") {
		return ""
	}
	name = packageName(name)
	dev := slices.Contains(f.DevDependencies, name)
	listed := dev || slices.Contains(f.Dependencies, name)
	is := ""
	if dev {
		is = fmt.Sprintf(", and %s is one", name)
	}
	switch {
	case f.DevOmitted != "":
		return fmt.Sprintf("%s was not found: %s keeps devDependencies out of the install%s. Unset %s (kiln then installs devDependencies for the build and prunes them after it), or move %s to dependencies.",
			name, f.DevOmitted, is, strings.SplitN(f.DevOmitted, "=", 2)[0], name)
	case f.Pruned:
		return fmt.Sprintf("%s was not found: devDependencies are pruned before this step%s. Move %s to dependencies if the app needs it after the build.", name, is, name)
	case !listed:
		return fmt.Sprintf("%s was not found, and package.json lists it in neither dependencies nor devDependencies. Add the package that provides it (e.g. `npm install --save-dev %s`) and commit the lockfile.", name, name)
	}
	return ""
}

// packageName is the package of a module path: "@scope/pkg/sub" is
// "@scope/pkg", "pkg/sub" is "pkg".
func packageName(module string) string {
	parts := strings.SplitN(module, "/", 3)
	if strings.HasPrefix(module, "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// host is the scheme and host of a URL (never its credentials or path),
// or of fallback when raw is not one.
func host(raw, fallback string) string {
	for _, s := range []string{raw, fallback} {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
	}
	return "(unknown)"
}

// redactURL drops the credentials of a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
