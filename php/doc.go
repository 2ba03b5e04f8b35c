// Package php is kiln's PHP buildpack. It plans and compiles PHP apps (classic
// apps with an index.php, and Composer apps) into slugs whose web process runs
// nginx in front of PHP-FPM. That web process, `kiln php-boot`, is the package
// php/boot, which imports nothing of the build; this package imports it for
// the slug's paths, boot.json and php.ini.
//
// Planning reads composer.json, composer.lock, the app's files and the build
// environment only. Compiling installs the runtimes from their source:
//
//   - repository (the default): archives laid out per stack under a base URL,
//     PHP_BASE_URL for PHP, Composer and extensions and NGINX_BASE_URL for
//     nginx (default: PHP_BASE_URL's sibling .../nginx when it ends in /php),
//     listed with their checksums in each <base>/<stack>/manifest.json, which
//     a public key must verify (trust.go; package runtimes/repo), or with a
//     .sha256 next to each file for an unsigned repository:
//     <base>/<stack>/php-<version>.tgz, <base>/<stack>/nginx-<version>.tgz,
//     <base>/<stack>/composer-<version>.phar,
//     <base>/<stack>/ext/<zend-api>/php-<ext>.tgz for extensions and the
//     latest APM agents, and <base>/<stack>/ext/<zend-api>/php-<ext>-<version>.tgz
//     for an APM agent version chosen by DATADOG_TRACER_VERSION,
//     DATADOG_APPSEC_VERSION or SCOUT_APM_VERSION. There is no default
//     repository: planning fails with what to set when PHP_BASE_URL is unset.
//   - system (KILN_PHP_RUNTIME=system): the host's php, php-fpm, nginx and
//     composer, after checking that the host PHP satisfies the app.
//
// Build cache (CACHE_DIR): composer/ (Composer's download cache), downloads/
// (verified archives), php/checksums.json (the checksums of versioned
// repository artifacts, see checksumMemo), php/runtimes/ (PHP and nginx
// unpacked once, see runtimeStore) and php/vendor/ (vendor/ with its
// dependency key, see vendorCache and planVendorCache).
//
// Slug layout: runtimes in vendor/php, vendor/nginx and vendor/composer;
// kiln's own files in .kiln/ (php/php.ini, php/conf.d, php/fpm.d,
// php/boot.json and bin/kiln, the boot command); .profile.d/php.sh.
package php

import "github.com/kiln-dev/kiln/php/boot"

// Paths inside the slug; those the boot command reads are its own.
const (
	kilnDir      = ".kiln"
	phpConfDir   = ".kiln/php"
	phpIniPath   = boot.PHPIniPath
	phpScanDir   = boot.PHPScanDir
	fpmIncDir    = boot.FPMIncludeDir
	bootJSONPath = boot.ConfigPath
	bootBinary   = ".kiln/bin/kiln"
	profilePath  = ".profile.d/php.sh"
)

// appPaths are the paths of the app the PHP buildpack reads (its
// manifests), writes or removes: none may lead outside the app through a
// symbolic link (buildpack.RefuseEscapes). Composer installs into vendor/.
func appPaths() []string {
	return []string{"composer.json", "composer.lock", "Procfile", "vendor", "vendor/php", "vendor/nginx",
		composerPhar, phpConfDir, phpScanDir, fpmIncDir, bootJSONPath, bootBinary, profilePath}
}

// WebCommand is the release's web process: the kiln binary shipped in the
// slug, run from the slug's root, booting nginx and PHP-FPM.
const WebCommand = bootBinary + " php-boot"
