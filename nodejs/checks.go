package nodejs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

type lockfileOwner struct{ file, manager string }

// lockfileOwners lists the lockfiles of the three package managers, with the
// manager that writes each one.
func lockfileOwners() []lockfileOwner {
	return []lockfileOwner{
		{"package-lock.json", "npm"},
		{"yarn.lock", "Yarn"},
		{"pnpm-lock.yaml", "pnpm"},
	}
}

// appPaths are the paths of the app the Node.js buildpack reads (its
// manifests and configuration files), writes or removes: none may lead
// outside the app through a symbolic link (buildpack.RefuseEscapes). The
// cache directories are checked where they are planned.
func appPaths() []string {
	paths := []string{"package.json", "npm-shrinkwrap.json", ".nvmrc", ".node-version", ".meteor",
		nodeDir, ".profile.d", "node_modules", ".meteor-install", ".start-meteor-app"}
	for _, l := range lockfileOwners() {
		paths = append(paths, l.file)
	}
	// The dependency key's inputs besides the lockfile: .npmrc, .yarnrc, …
	return append(paths, depKeyFiles("")[1:]...)
}

// checkLayout fails when .scalingo or .scalingo/node exist as files: Node.js
// is installed into .scalingo/node.
func checkLayout(app string) error {
	for _, p := range []string{".scalingo", nodeDir} {
		fi, err := os.Lstat(filepath.Join(app, p))
		if err == nil && !fi.IsDir() {
			return &buildpack.UserError{
				Msg:  fmt.Sprintf("The directory %s could not be created: a file with that name is in the repository", p),
				Hint: fmt.Sprintf("Node.js is installed into %s. Remove or rename the file: `git rm %s`.", nodeDir, p),
			}
		}
	}
	return nil
}

// checkLockfiles fails when more than one package manager left a lockfile,
// or when npm-shrinkwrap.json sits next to another lockfile.
func checkLockfiles(app string) error {
	var found []string
	var managers []string
	for _, l := range lockfileOwners() {
		if fileExists(app, l.file) {
			found = append(found, l.file)
			managers = append(managers, l.manager)
		}
	}
	if len(found) > 1 {
		sort.Slice(managers, func(i, j int) bool { return strings.ToLower(managers[i]) < strings.ToLower(managers[j]) })
		return &buildpack.UserError{
			Msg: fmt.Sprintf("Multiple lockfiles found: %s. Multiple package managers (%s) have created lockfiles for this application, so kiln cannot tell which one to use.",
				strings.Join(found, ", "), strings.Join(managers, ", ")),
			Hint: "Keep the lockfile of the package manager you use and delete the others, e.g. if you use npm:\n" +
				"  $ git rm " + strings.Join(without(found, "package-lock.json"), " ") + "\n" +
				"  $ git commit -m \"Remove unused lockfiles\"",
		}
	}
	if len(found) == 1 && fileExists(app, "npm-shrinkwrap.json") {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("Multiple lockfiles found: npm-shrinkwrap.json conflicts with %s", found[0]),
			Hint: "Keep only one of them: `git rm npm-shrinkwrap.json` if you use " + found[0] + ", or remove " + found[0] + ".",
		}
	}
	return nil
}

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

// checkDeclarations fails when package.json declares more than one package
// manager across engines.npm, engines.yarn, engines.pnpm and packageManager,
// and when it asks for io.js.
func checkDeclarations(pkg pkgJSON) error {
	if pkg.engine("iojs") != "" {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("io.js is no longer supported (package.json engines.iojs is %q)", pkg.engine("iojs")),
			Hint: `Remove engines.iojs and request a Node.js version instead, e.g. "engines": {"node": "24.x"}.`,
		}
	}
	var lines []string
	seen := map[string]bool{}
	for _, name := range []string{"npm", "yarn", "pnpm"} {
		if v := pkg.engine(name); v != "" {
			if err := checkToolRequest(name, v); err != nil {
				return err
			}
			seen[name] = true
			lines = append(lines, fmt.Sprintf("- %s version declared in engines.%s (%s)", name, name, v))
		}
	}
	if pmName, _, _ := strings.Cut(pkg.str("packageManager"), "@"); pmName != "" {
		pmName = strings.TrimSpace(pmName)
		if !seen[pmName] {
			lines = append(lines, fmt.Sprintf("- %s version declared in packageManager (%s)", pmName, pkg.str("packageManager")))
		}
		seen[pmName] = true
	}
	if len(seen) > 1 {
		return &buildpack.UserError{
			Msg:  "Multiple package managers declared in package.json:\n" + strings.Join(lines, "\n"),
			Hint: "Declare only the package manager you use: remove the other engines.* entries or the packageManager field.",
		}
	}
	return nil
}

// toolTag matches the dist-tags of the npm registry kiln accepts in place of
// a version range for npm, Yarn or pnpm (npm install TOOL@TAG).
var toolTag = regexp.MustCompile(`^(latest|next|rc|canary|stable|berry)(-\d+)?$`)

// checkToolRequest fails the plan when engines.NAME is neither an npm
// version range nor a known dist-tag: the install would fail later, after
// Node.js is downloaded.
func checkToolRequest(name, v string) error {
	if toolTag.MatchString(strings.TrimSpace(v)) || stacks.ValidNpmRange(v) == nil {
		return nil
	}
	return &buildpack.UserError{
		Msg: fmt.Sprintf("package.json engines.%s is %q, which is not a version range", name, v),
		Hint: fmt.Sprintf(`Give engines.%s a version or range npm understands, e.g. "%s", or a dist-tag such as "latest".`,
			name, map[string]string{"npm": "10.x", "yarn": "1.22.x", "pnpm": "9.x"}[name]),
	}
}
