package php

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
)

// vendorKeyFormat changes whenever the key or the saved tree changes meaning;
// a cache with another format is ignored.
const vendorKeyFormat = 1

// vendorKey is everything that decides what `composer install` puts into
// vendor/. Two builds with equal keys install the same packages, so the
// second can restore the first's vendor/ before running Composer. It is
// stored as JSON next to the saved tree (CACHE_DIR/php/vendor/key.json) and
// compared field by field, so the build can say which input changed.
type vendorKey struct {
	Format int    `json:"format"`
	Stack  string `json:"stack"`
	Arch   string `json:"architecture"`
	// Command is the install command: it carries --no-dev and the other flags.
	Command string `json:"command"`
	// PHP and Composer are the versions as installed (the host's for the
	// system runtime).
	PHP      string `json:"php"`
	Composer string `json:"composer"`
	// Extensions are the PHP extensions loaded during the install (`php -m`,
	// with kiln's configuration): platform checks and some plugins depend
	// on them.
	Extensions []string `json:"extensions"`
	// Files maps composer.lock to the SHA-256 of its bytes.
	Files map[string]string `json:"files"`
	// ComposerJSON maps each keyed section of composer.json to the SHA-256
	// of its canonical JSON, "absent" when missing.
	ComposerJSON map[string]string `json:"composer_json"`
	// Env maps each keyed variable to its value ("<unset>" when unset;
	// COMPOSER_DEV as the true/false kiln acts on).
	Env map[string]string `json:"env"`
	// PathRepos maps each path repository (as composer.json names it) to the
	// SHA-256 of its files: Composer copies them into vendor/ but the lock
	// does not change when they do.
	PathRepos map[string]string `json:"path_repositories,omitempty"`
}

// vendorKeyComposerSections are the parts of composer.json that change what
// `composer install` produces:
//
//   - require, require-dev, conflict, replace, provide, minimum-stability,
//     prefer-stable: what the lock must satisfy (the lock's content-hash
//     covers them, but a stale lock only warns);
//   - repositories: where packages come from (path repositories are also
//     keyed by content);
//   - autoload, autoload-dev: the generated autoloader (regenerated on every
//     build anyway, see composerInstall; keyed so a restore never starts
//     from an autoloader of other rules);
//   - config: vendor-dir, bin-dir, preferred-install, platform,
//     allow-plugins, the autoloader options, ...;
//   - scripts: Composer runs the root scripts (pre/post-install-cmd,
//     pre/post-autoload-dump) on both paths, and a changed script may write
//     into vendor/; with it in the key a new script always starts from a
//     clean install;
//   - extra, without extra.paas and extra.heroku (kiln's own settings):
//     plugins read it (installer-paths, patches, symfony).
//
// name, description, version, license, support and the like do not change
// what is installed.
func vendorKeyComposerSections() []string {
	return []string{
		"autoload", "autoload-dev", "config", "conflict", "extra", "minimum-stability", "prefer-stable",
		"provide", "replace", "repositories", "require", "require-dev", "scripts",
	}
}

// vendorKeyEnv lists the variables of env that change what Composer
// installs: COMPOSER_DEV always, plus every COMPOSER_* variable that is set,
// except secrets and those about output, caches, limits and credentials.
func vendorKeyEnv(env buildpack.Env) []string {
	ignored := map[string]bool{
		"COMPOSER_AUTH": true, "COMPOSER_HOME": true, "COMPOSER_CACHE_DIR": true, "COMPOSER_PROCESS_TIMEOUT": true,
		"COMPOSER_MEMORY_LIMIT": true, "COMPOSER_NO_INTERACTION": true, "COMPOSER_ALLOW_SUPERUSER": true,
		"COMPOSER_MAX_PARALLEL_HTTP": true, "COMPOSER_IPRESOLVE": true, "COMPOSER_NO_AUDIT": true,
		"COMPOSER_AUDIT_ABANDONED": true, "COMPOSER_HTACCESS_PROTECT": true, "COMPOSER_DISABLE_NETWORK": true,
		"COMPOSER_MIRROR_PATH_REPOS": true, // kiln sets it for the install
		"COMPOSER_VERSION":           true, // chooses Composer, whose installed version is keyed
	}
	out := []string{"COMPOSER_DEV"}
	for _, k := range env.Keys() {
		if strings.HasPrefix(strings.ToUpper(k), "COMPOSER_") && k != "COMPOSER_DEV" &&
			!ignored[strings.ToUpper(k)] && !buildpack.IsSecretName(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// vendorKeyInputs is what compile learns before the install and feeds into
// the key, besides the app's files and the plan.
type vendorKeyInputs struct {
	PHP, Composer string
	Extensions    []string
	Command       []string
}

// computeVendorKey reads the key inputs the plan names from the app and the
// build environment.
func computeVendorKey(app string, p buildpack.Plan, set settings, env buildpack.Env, in vendorKeyInputs) (vendorKey, error) {
	k := vendorKey{
		Format: vendorKeyFormat, Stack: p.Stack, Arch: runtime.GOOS + "/" + runtime.GOARCH,
		Command: strings.Join(in.Command, " "), PHP: in.PHP, Composer: in.Composer,
		Extensions: slices.Sorted(slices.Values(in.Extensions)),
		Files:      map[string]string{}, ComposerJSON: map[string]string{}, Env: map[string]string{},
	}
	sum, err := cache.FileSum(filepath.Join(app, "composer.lock"))
	if err != nil {
		return k, err
	}
	k.Files["composer.lock"] = sum
	b, err := os.ReadFile(filepath.Join(app, "composer.json"))
	if err != nil {
		return k, fmt.Errorf("reading composer.json: %w", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return k, fmt.Errorf("reading composer.json: %w", err)
	}
	for _, sec := range set.DepKeyComposer {
		k.ComposerJSON[sec] = sectionSum(doc[sec], sec == "extra")
	}
	for _, name := range set.DepKeyEnv {
		v, ok := env.Lookup(name)
		switch {
		case name == "COMPOSER_DEV":
			v = fmt.Sprint(env.Bool(name))
		case !ok:
			v = "<unset>"
		}
		k.Env[name] = v
	}
	for _, repo := range set.DepKeyPaths {
		if k.PathRepos == nil {
			k.PathRepos = map[string]string{}
		}
		sum, err := pathRepoSum(app, repo)
		if err != nil {
			return k, err
		}
		k.PathRepos[repo] = sum
	}
	return k, nil
}

// sectionSum is the SHA-256 of a composer.json section in canonical form
// (keys sorted, no whitespace), so reformatting the file changes nothing.
// For extra, kiln's own extra.paas and extra.heroku are left out.
func sectionSum(raw json.RawMessage, extra bool) string {
	if raw == nil {
		return cache.Absent
	}
	var parsed any
	canon := []byte(raw)
	if json.Unmarshal(canon, &parsed) == nil {
		if m, ok := parsed.(map[string]any); ok && extra {
			delete(m, "paas")
			delete(m, "heroku")
		}
		canon, _ = json.Marshal(parsed)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// pathRepoSum hashes the files of a path repository (its url may be a glob,
// as Composer allows): every file's path, mode and content, and every
// symlink's target, in walk order. Version-control directories are left
// out, as Composer leaves them out of the copy.
func pathRepoSum(app, repo string) (string, error) {
	dirs, err := filepath.Glob(filepath.Join(app, filepath.FromSlash(repo)))
	if err != nil {
		return "", fmt.Errorf("path repository %s: %w", repo, err)
	}
	h := sha256.New()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(app, path)
			switch {
			case d.IsDir() && (d.Name() == ".git" || d.Name() == ".hg" || d.Name() == ".svn"):
				return fs.SkipDir
			case d.IsDir():
				return nil
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(path)
				if err != nil {
					return err
				}
				fmt.Fprintf(h, "L %s %s\n", filepath.ToSlash(rel), target)
				return nil
			case !d.Type().IsRegular():
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			fh := sha256.New()
			if _, err := io.Copy(fh, f); err != nil {
				return err
			}
			fmt.Fprintf(h, "F %s %o %x\n", filepath.ToSlash(rel), info.Mode().Perm(), fh.Sum(nil))
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("reading path repository %s: %w", repo, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// changes names the inputs that differ between an old key and k, in a
// stable order: "composer.lock", "composer.json require", "PHP version",
// "COMPOSER_DEV", "path repository lib/greeter", ...
func (k vendorKey) changes(old vendorKey) []string {
	if old.Format != k.Format {
		return []string{"the cache format"}
	}
	var out []string
	if old.Stack != k.Stack {
		out = append(out, "stack")
	}
	if old.Arch != k.Arch {
		out = append(out, "architecture")
	}
	if old.PHP != k.PHP {
		out = append(out, fmt.Sprintf("PHP version %s → %s", old.PHP, k.PHP))
	}
	if d := listDiff(old.Extensions, k.Extensions); d != "" {
		out = append(out, "PHP extensions ("+d+")")
	}
	if old.Composer != k.Composer {
		out = append(out, fmt.Sprintf("Composer version %s → %s", old.Composer, k.Composer))
	}
	out = append(out, cache.MapChanges(old.Files, k.Files, "", "")...)
	out = append(out, cache.MapChanges(old.ComposerJSON, k.ComposerJSON, "composer.json ", "")...)
	out = append(out, cache.MapChanges(old.Env, k.Env, "", "")...)
	out = append(out, cache.MapChanges(old.PathRepos, k.PathRepos, "path repository ", "")...)
	if old.Command != k.Command {
		out = append(out, "install command")
	}
	return out
}

// listDiff describes what was added to and removed from a sorted list:
// "+gd, -intl", or "" when both are equal.
func listDiff(old, cur []string) string {
	var out []string
	for _, s := range cur {
		if !slices.Contains(old, s) {
			out = append(out, "+"+s)
		}
	}
	for _, s := range old {
		if !slices.Contains(cur, s) {
			out = append(out, "-"+s)
		}
	}
	return strings.Join(out, ", ")
}
