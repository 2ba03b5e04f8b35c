package nodejs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/nodejs/depcache"
)

// depKeyPackageSections are the parts of package.json that change what gets
// installed. Scripts, description, version and the like do not.
func depKeyPackageSections() []string {
	return []string{
		"dependencies", "devDependencies", "optionalDependencies", "peerDependencies",
		"peerDependenciesMeta", "bundleDependencies", "bundledDependencies", "dependenciesMeta",
		"overrides", "resolutions", "workspaces", "packageManager", "engines", "pnpm",
		// npm 11.16+: which dependencies may run install scripts (enforced from npm 12).
		"allowScripts",
	}
}

// depKeyFiles are the files, besides the lockfile, whose bytes change what
// the package manager installs.
func depKeyFiles(lockfile string) []string {
	return []string{lockfile, ".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml", ".pnpmfile.cjs"}
}

// installScripts are the root package's lifecycle scripts that package
// managers run during an install. Their effects may reach outside the
// dependency tree, so an app defining one always installs.
func installScripts() []string {
	return []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}
}

// depKeyEnv lists the variables of env that change what gets installed:
// NODE_ENV, NPM_CONFIG_PRODUCTION, YARN_PRODUCTION and USE_NPM_INSTALL always
// (unset is a value too), plus every NPM_CONFIG_*, YARN_* and PNPM_CONFIG_*
// variable that is set, except output, cache locations, the headers
// directory, and secrets (credentials do not change what a lockfile
// installs, and the key must not hold them).
func depKeyEnv(env buildpack.Env) []string {
	seen := map[string]bool{}
	for _, k := range []string{"NODE_ENV", "NPM_CONFIG_PRODUCTION", "YARN_PRODUCTION", "USE_NPM_INSTALL"} {
		seen[k] = true
	}
	for _, k := range env.Keys() {
		u := strings.ToUpper(k)
		prefixed := strings.HasPrefix(u, "NPM_CONFIG_") || strings.HasPrefix(u, "YARN_") || strings.HasPrefix(u, "PNPM_CONFIG_")
		if prefixed && !buildpack.IsSecretName(k) && !depKeyIgnored(u) {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// depKeyIgnored reports whether a package manager variable (upper case)
// leaves the installed tree alone.
func depKeyIgnored(name string) bool {
	for _, suffix := range []string{
		"_LOGLEVEL", "_LOG_LEVEL", "_AUDIT", "_FUND", "_UPDATE_NOTIFIER", "_PROGRESS", "_COLOR",
		"_CACHE", "_CACHE_FOLDER", "_GLOBAL_FOLDER", "_ENABLE_GLOBAL_CACHE", "_STORE_DIR",
		"_ENABLE_TELEMETRY", "_NODEDIR", "_USERCONFIG", "_ENABLE_PROGRESS_BARS",
	} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// computeDepKey reads the key inputs the plan's settings set name from the
// app, the build environment and the installed runtimes. command is the
// install step's.
func computeDepKey(app, nodeHome string, p buildpack.Plan, set settings, env buildpack.Env, command []string) (depcache.Key, error) {
	k := depcache.Key{
		Format: depcache.KeyFormat, Stack: p.Stack, Arch: runtime.GOOS + "/" + runtime.GOARCH,
		Command:  strings.Join(command, " "),
		Runtimes: installedVersions(nodeHome, p, set.PMPackage), Files: map[string]string{},
		Package: map[string]string{}, Env: map[string]string{},
	}
	for _, f := range set.DepKeyFiles {
		sum, err := cache.FileSum(filepath.Join(app, f))
		if err != nil {
			return k, err
		}
		k.Files[f] = sum
	}
	b, err := os.ReadFile(filepath.Join(app, "package.json"))
	if err != nil {
		return k, fmt.Errorf("reading package.json: %w", err)
	}
	for _, sec := range set.DepKeyPackage {
		k.Package[sec] = sectionSum(b, sec)
	}
	for _, name := range set.DepKeyEnv {
		v, ok := env.Lookup(name)
		if !ok {
			v = "<unset>"
		}
		k.Env[name] = v
	}
	return k, nil
}

// installedVersions reads the versions of the runtimes the plan installs
// from the Node.js prefix, so a range resolved at build time is keyed by what
// it resolved to. Node.js itself is the planned exact version. pmPackage is
// the npm package of Yarn or pnpm.
func installedVersions(nodeHome string, p buildpack.Plan, pmPackage string) map[string]string {
	out := map[string]string{}
	pkgs := map[string]string{"npm": "npm", "yarn": pmPackage, "pnpm": pmPackage}
	for _, rt := range p.Runtimes {
		out[rt.Name] = rt.Version
		pkg := pkgs[rt.Name]
		if pkg == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(nodeHome, "lib", "node_modules", filepath.FromSlash(pkg), "package.json"))
		if v := gjson.GetBytes(b, "version").String(); err == nil && v != "" {
			out[rt.Name] = v
		}
	}
	return out
}

// sectionSum is the SHA-256 of a package.json section in canonical form
// (keys sorted, no whitespace), so reformatting the file changes nothing.
func sectionSum(pkg []byte, section string) string {
	v := gjson.GetBytes(pkg, gjson.Escape(section))
	if !v.Exists() {
		return cache.Absent
	}
	var parsed any
	canon := []byte(v.Raw)
	if json.Unmarshal(canon, &parsed) == nil {
		canon, _ = json.Marshal(parsed)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}
