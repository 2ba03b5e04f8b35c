package php

import (
	"encoding/json"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// planVendorCache records whether the composer-install step may start from
// the vendor/ of an earlier build, and what the dependency key is made of.
// Compile computes the key from exactly these inputs right before the
// install and compares it with the key saved next to the tree; the rule
// itself is settled here:
//
//   - dependency_cache says what happens, in words;
//   - dependency_key_always lists the inputs every key has: composer.lock's
//     bytes, the stack, the architecture, the installed PHP and Composer
//     versions, the loaded PHP extensions and the install command;
//   - dependency_key_composer_json, dependency_key_env and
//     dependency_key_path_repositories list the app's other inputs.
//
// A restore does not replace `composer install`, it comes before it:
// Composer then finds every locked package installed and installs nothing,
// but it still does what an install does besides unpacking packages —
// regenerates the optimized autoloader (whose classmap covers the app's own
// classes, which change between builds without the lock changing), runs the
// root scripts (pre/post-install-cmd, pre/post-autoload-dump, e.g.
// Laravel's package:discover writing bootstrap/cache), reinstalls any
// package whose directory is missing (composer/installers puts some outside
// vendor/), and checks the platform. The restored vendor/ is therefore the
// one a clean install produces.
//
// The cache is off when vendor/ is part of the app (Composer installs over
// it, so there is nothing to restore into), when Composer installs somewhere
// else (config.vendor-dir, COMPOSER_VENDOR_DIR), and when a path repository
// points outside the app (its contents could not be keyed). Path
// repositories inside the app are keyed by their contents, since Composer
// copies them into vendor/ while the lock keeps the same reference.
func (pl *planner) planVendorCache() {
	s := &pl.set
	paths, reason := pl.vendorCacheOff()
	if reason != "" {
		s.VendorCacheOff = reason
		return
	}
	s.VendorCache = true
	s.DepKeyAlways = []string{"composer.lock", "stack", "architecture", "php-version", "php-extensions", "composer-version", "install-command"}
	s.DepKeyComposer = vendorKeyComposerSections()
	s.DepKeyEnv = vendorKeyEnv(pl.env)
	s.DepKeyPaths = paths
}

// vendorCacheOff returns the app's path repositories, and says why vendor/
// is always installed, or returns "" when it may be restored.
func (pl *planner) vendorCacheOff() ([]string, string) {
	if dirExists(pl.ctx.AppDir, "vendor") {
		return nil, "vendor/ is part of the app"
	}
	var cfg struct {
		Config struct {
			VendorDir string `json:"vendor-dir"`
		} `json:"config"`
		Repositories json.RawMessage `json:"repositories"`
	}
	raw, _ := os.ReadFile(filepath.Join(pl.ctx.AppDir, "composer.json"))
	_ = json.Unmarshal(raw, &cfg)
	if d := strings.Trim(path.Clean("/"+cfg.Config.VendorDir), "/"); cfg.Config.VendorDir != "" && d != "vendor" {
		return nil, "composer.json config.vendor-dir makes Composer install into " + cfg.Config.VendorDir + ", not vendor/"
	}
	if d, ok := pl.env.Lookup("COMPOSER_VENDOR_DIR"); ok && strings.Trim(path.Clean("/"+d), "/") != "vendor" {
		return nil, "COMPOSER_VENDOR_DIR makes Composer install into " + d + ", not vendor/"
	}
	var paths []string
	for _, r := range repositoryList(cfg.Repositories) {
		if r.Type != "path" {
			continue
		}
		clean := path.Clean(r.URL)
		if r.URL == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.ContainsAny(clean, " \n") {
			return nil, "the path repository " + r.URL + " is outside the app, so its contents cannot be part of the dependency key"
		}
		paths = append(paths, clean)
	}
	return paths, ""
}

// composerRepo is one entry of composer.json's repositories.
type composerRepo struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// repositoryList reads repositories, which Composer accepts as an array or
// as an object of named entries; entries of other shapes (such as
// {"packagist.org": false}) are skipped.
func repositoryList(raw json.RawMessage) []composerRepo {
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		var named map[string]json.RawMessage
		if json.Unmarshal(raw, &named) != nil {
			return nil
		}
		for _, k := range slices.Sorted(maps.Keys(named)) {
			entries = append(entries, named[k])
		}
	}
	var out []composerRepo
	for _, e := range entries {
		var r composerRepo
		if json.Unmarshal(e, &r) == nil && r.Type != "" {
			out = append(out, r)
		}
	}
	return out
}
