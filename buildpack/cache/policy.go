package cache

import (
	"path"
	"path/filepath"
	"strings"
)

// This file is the policy of the build cache: what CACHE_DIR keeps, in
// which form, and how each store's trees go into the app. The ecosystems
// decide when to open, save and check their stores; they do not decide
// where a store lives, what it leaves out, or which of its files are
// copied rather than linked. A platform that archives CACHE_DIR between
// builds pays for every byte kept here, so a change of what is kept, or of
// its form, is a change of this file.
//
// What it keeps, and in which form, is drawn in the package documentation
// (doc.go), which changes with this file.
//
// Every tree of a store is placed into the app by hard links, except the
// files its copy rule names, which are copied: a hard link shares the file
// with the cache, so a file the build may rewrite in place (open, truncate,
// write the same inode) must be a copy, or the build would change the
// cache. Package managers and build tools replace package files (write a
// new file and rename it over, or delete and unpack again) and so leave a
// linked file alone; what they rewrite in place is their own metadata and
// generated files, which the rules below name. What a rule misses is caught
// after the build: CheckShared finds a saved file modified after the save
// and drops the store.

// Downloads is where verified archives are kept as downloaded, named by
// their checksum (the Dir of a buildpack/fetch.Fetcher), when there is no
// shared runtime store: CACHE_DIR/downloads. Where runtimes are kept, and
// in which form, is Runtimes (runtimes.go).
func Downloads(cacheDir string) string { return filepath.Join(cacheDir, "downloads") }

// The package managers' own caches (npm's, Yarn's, the pnpm store) are
// kept as the package managers leave them, under CACHE_DIR/node, where the
// Node.js plan points them; Composer's download cache under
// CACHE_DIR/composer.

// NodeModules is the store of the installed dependency tree:
// CACHE_DIR/node/deps. Its tree holds the app's node_modules directories at
// their app-relative paths (node_modules, packages/a/node_modules), as the
// install left them, devDependencies included.
func NodeModules(cacheDir string) Store {
	return Store{Root: filepath.Join(cacheDir, "node"), Name: "deps", Noun: "the saved dependencies", copy: nodeModulesCopied}
}

// Vendor is the store of the installed Composer dependencies:
// CACHE_DIR/php/vendor. Its tree is the app's vendor/ as composer install
// left it, without the paths kiln places there itself (vendorKiln).
func Vendor(cacheDir string) Store {
	return Store{Root: filepath.Join(cacheDir, "php"), Name: "vendor", Noun: "the saved vendor/", copy: vendorCopied, leave: vendorKiln}
}

// stores are the stores of the build cache cacheDir (Sweep looks into
// each). Runtimes are not among them: CACHE_DIR keeps them as archives, or
// not at all (Runtimes).
func stores(cacheDir string) []Store {
	return []Store{NodeModules(cacheDir), Vendor(cacheDir)}
}

// nodeModulesCopied reports whether a file of a dependency tree (its path
// relative to the saved tree, which holds node_modules directories) is
// copied. npm, Yarn and pnpm rewrite in place their own metadata: the files
// directly in a node_modules or .pnpm directory
// (node_modules/.package-lock.json, which pruning rewrites,
// .yarn-integrity, .modules.yaml, .yarn-state.yml, .pnpm/lock.yaml); some
// tools, such as Angular's ngcc, edit package.json files; tool caches live
// under .cache. Everything else, the packages' code, is linked.
func nodeModulesCopied(rel string) bool {
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	parent := dir[strings.LastIndexByte(dir, '/')+1:]
	return base == "package.json" || dir == "" || parent == "node_modules" || parent == ".pnpm" ||
		strings.HasPrefix(rel, ".cache/") || strings.Contains(rel, "/.cache/")
}

// phpRuntimeCopied reports whether a file of a PHP or nginx tree (relative
// to its root) is copied. The build writes into vendor/php only by
// unpacking extension packages over it, which removes each file before
// creating it (fetch.ExtractTar), so linked files are replaced, never
// rewritten. What may be rewritten in place is configuration (etc/,
// nginx's conf/, *.ini, *.conf: an app's compile command may edit php.ini
// or php-fpm.conf) and what servers write at run time in their prefix
// (logs/, var/, tmp/, nginx's *_temp directories). Anything else an app's
// own command rewrites in place (a `pecl install` copying over an existing
// .so) is found when the store is next opened (ModifiedSinceSave), and the
// archive is unpacked again.
func phpRuntimeCopied(rel string) bool {
	top, _, _ := strings.Cut(rel, "/")
	switch top {
	case "etc", "conf", "logs", "var", "tmp":
		return true
	}
	return strings.HasSuffix(top, "_temp") || strings.HasSuffix(rel, ".ini") || strings.HasSuffix(rel, ".conf")
}

// vendorCopied reports whether a file of vendor/ (relative to vendor/) is
// copied. Composer replaces a package's files by deleting and unpacking
// (and never touches an installed package on a restore, where it finds
// every package in place), so package files are linked: that is what makes
// a restore cheap. But Composer rewrites its own files with
// file_put_contents, which truncates and writes the same inode: the
// autoloader and metadata in vendor/composer/, vendor/autoload.php (and
// plugins' siblings such as autoload_runtime.php, all directly in
// vendor/), and the proxies in vendor/bin. Those are copied.
func vendorCopied(rel string) bool {
	return !strings.Contains(rel, "/") || strings.HasPrefix(rel, "composer/") || strings.HasPrefix(rel, "bin/")
}

// vendorKiln reports whether a path of vendor/ (relative to vendor/)
// belongs to kiln rather than to Composer: the repository runtimes (php,
// nginx, composer/bin with Composer's phar) and the APM agents. Their own
// steps place them; the Vendor store never holds them, and a restore never
// overwrites them.
func vendorKiln(rel string) bool {
	for _, p := range []string{"php", "nginx", "apm", "composer/bin"} {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// leftovers lists, as glob patterns relative to CACHE_DIR, what killed
// builds leave behind besides the temporary directories of the stores
// (saves in progress, replaced saves, spares being built, taken or
// discarded): a save of the app's cacheDirectories in progress
// (node/.save-*), and the staging directories and spares of the unpacked
// runtimes CACHE_DIR kept before runtimes moved out of it
// (runtimes/.staging-*, runtimes/.spare-*, php/runtimes/.staging-*).
func leftovers() []string {
	return []string{filepath.Join("node", ".save-*"), filepath.Join("runtimes", ".staging-*"), filepath.Join("runtimes", ".spare-*"),
		filepath.Join("php", "runtimes", ".staging-*")}
}

// formerLayouts lists, as glob patterns relative to CACHE_DIR, the marker
// files of stores in a layout kiln no longer reads: the unpacked runtimes
// CACHE_DIR kept before runtimes moved out of it (runtimes/<name>/key.json,
// php/runtimes/<name>/key.json: see Runtimes), and the layouts before
// those (runtimes/<name>-<version>-<checksum>/.kiln-runtime.json,
// php/runtimes/<name>/manifest.json). Sweep removes the directory holding
// each: for the build it is a miss, never a failure, and the runtime is
// unpacked again from its archive, which downloads/ keeps.
func formerLayouts() []string {
	return []string{
		filepath.Join("runtimes", "*", ManifestFile), filepath.Join("runtimes", "*", ".kiln-runtime.json"),
		filepath.Join("php", "runtimes", "*", ManifestFile), filepath.Join("php", "runtimes", "*", "manifest.json"),
	}
}
