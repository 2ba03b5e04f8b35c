package php

import (
	"fmt"
	"sort"
	"strings"
)

// zendAPI returns the Zend module API number of a PHP version, or "" when
// unknown: it names the extension directory of a release line (and the
// repository's ext/<api>/ directory).
func zendAPI(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return ""
	}
	switch parts[0] + "." + parts[1] {
	case "8.1":
		return "20210902"
	case "8.2":
		return "20220829"
	case "8.3":
		return "20230831"
	case "8.4":
		return "20240924"
	case "8.5":
		return "20250925"
	}
	return ""
}

// requiredExtensions lists the PHP extensions the app needs: every ext-* in
// composer.json's require (and require-dev when dev packages are installed)
// and in the requirements of the locked packages, minus those a locked
// package provides (polyfills). Names are normalised as `php -m` prints
// them, lowercased.
func requiredExtensions(pj *project, dev bool) []string {
	need := map[string]bool{}
	add := func(req map[string]string) {
		for name := range req {
			if ext, ok := extName(name); ok {
				need[ext] = true
			}
		}
	}
	add(pj.JSON.Require)
	pkgs := pj.Lock.Packages
	if dev {
		add(pj.JSON.RequireDev)
		pkgs = append(append([]lockedPackage(nil), pkgs...), pj.Lock.PackagesDev...)
	}
	provided := map[string]bool{}
	for _, p := range pkgs {
		add(p.Require)
		for name := range p.Provide {
			if ext, ok := extName(name); ok {
				provided[ext] = true
			}
		}
	}
	out := make([]string, 0, len(need))
	for ext := range need {
		if !provided[ext] {
			out = append(out, ext)
		}
	}
	sort.Strings(out)
	return out
}

// extName turns a Composer platform package ("ext-pdo_mysql",
// "ext-zend-opcache") into a normalised extension name.
func extName(pkg string) (string, bool) {
	name, ok := strings.CutPrefix(strings.ToLower(pkg), "ext-")
	if !ok || name == "" {
		return "", false
	}
	return normaliseExt(name), true
}

// normaliseExt makes extension names from composer.json and from `php -m`
// comparable: lowercase, with spaces and dashes as underscores.
func normaliseExt(name string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(name)))
}

// parseModules reads the output of `php -m` into a set of normalised names.
func parseModules(out string) map[string]bool {
	mods := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "[") {
			continue
		}
		mods[normaliseExt(line)] = true
	}
	return mods
}

// missingExtensions returns the required extensions absent from mods.
func missingExtensions(required []string, mods map[string]bool) []string {
	var out []string
	for _, ext := range required {
		if !mods[ext] {
			out = append(out, ext)
		}
	}
	return out
}

// extensionURL is where the repository keeps a prebuilt extension.
func extensionURL(base, stack, api, ext string) string {
	return fmt.Sprintf("%s/%s/ext/%s/php-%s.tgz", strings.TrimRight(base, "/"), stack, api, ext)
}
