// Package build compiles the runtimes of a kiln runtime repository: PHP,
// its optional extensions and nginx from their upstream source archives,
// and Composer's phar, each verified against a SHA-256 before use. The
// recipes are shell scripts embedded in kiln (scripts/), run in a process
// group of their own like every program kiln starts. Each archive is written
// with a .build.json sidecar naming its build inputs (see Inputs), which
// `kiln runtimes index` copies into the signed manifest.
//
// Finished archives are kept in a cache keyed by the source checksums, the
// hash of the build script and the configure flags (see Key), so that a
// second build of the same inputs copies them instead of compiling.
package build

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"
)

//go:embed scripts/*.sh
var scripts embed.FS

// script returns an embedded build script and its SHA-256.
func script(name string) ([]byte, string, error) {
	b, err := scripts.ReadFile("scripts/" + name)
	if err != nil {
		return nil, "", fmt.Errorf("kiln has no build script %s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// Prefixes the runtimes are built for; the buildpack installs them under the
// app (vendor/php, vendor/nginx), and they run from wherever the app is.
const (
	PHPPrefix   = "/app/vendor/php"
	NginxPrefix = "/app/vendor/nginx"
)

// Default source URL templates; {name} and {version} are replaced.
const (
	DefaultPHPSource      = "https://www.php.net/distributions/php-{version}.tar.xz"
	DefaultNginxSource    = "https://nginx.org/download/nginx-{version}.tar.gz"
	DefaultPECLSource     = "https://pecl.php.net/get/{name}-{version}.tgz"
	DefaultComposerSource = "https://getcomposer.org/download/{version}/composer.phar"
)

// KnownSHA256 returns the recorded SHA-256 of an upstream source archive
// (name "php", "nginx" or an extension), or "" when kiln has none. Kiln
// records only checksums checked against a second, independent source:
// the PHP and nginx archives Debian bookworm ships unmodified as its .orig
// tarballs (listed in its signed .dsc files). Another version needs
// --sha256.
func KnownSHA256(name, version string) string {
	switch name + "@" + version {
	case "php@8.2.32":
		return "e02aa173c236c12791696254d607da680e6d5516f8f5c2339642de7c4f944bd2"
	case "nginx@1.22.1":
		return "9ebb333a9e82b952acd3e2b4aeb1d4ff6406f72491bab6cd9fe69f0dea737f31"
	}
	return ""
}

// phpConfigure is PHP's configure flags: the extensions the platform
// documents as built in are compiled in; the optional bundled ones
// (OptionalBundled) are shared modules, shipped in archives of their own.
func phpConfigure() []string {
	return []string{
		"--prefix=" + PHPPrefix,
		"--with-config-file-path=" + PHPPrefix + "/etc",
		"--with-config-file-scan-dir=" + PHPPrefix + "/etc/conf.d",
		"--disable-debug", "--disable-phpdbg", "--disable-cgi", "--enable-fpm",
		"--enable-bcmath", "--with-bz2", "--with-curl", "--enable-exif",
		"--enable-gd", "--with-jpeg", "--with-freetype", "--with-webp",
		"--enable-intl", "--enable-mbstring",
		"--enable-mysqlnd", "--with-mysqli=mysqlnd", "--with-pdo-mysql=mysqlnd",
		"--with-pdo-pgsql", "--with-pdo-sqlite", "--with-pgsql",
		"--with-openssl", "--enable-pcntl", "--with-libedit", "--enable-shmop",
		"--enable-soap", "--enable-sockets", "--with-sqlite3", "--with-xsl",
		"--with-zip", "--with-zlib", "--enable-opcache", "--with-password-argon2",
		"--enable-calendar=shared", "--enable-ftp=shared", "--with-gettext=shared",
		"--with-gmp=shared", "--with-sodium=shared", "--with-tidy=shared",
	}
}

// OptionalBundled lists the extensions of PHP's source tree that are built
// as shared modules and shipped as extension archives.
func OptionalBundled() []string {
	return []string{"calendar", "ftp", "gettext", "gmp", "sodium", "tidy"}
}

// zendExtension reports whether an extension is loaded with zend_extension=
// rather than extension=.
func zendExtension(name string) bool { return name == "opcache" || name == "xdebug" }

// extConfigure returns the configure flags of a PECL extension: those of
// the extensions kiln knows, else --enable-<name>.
func extConfigure(name string) []string {
	switch name {
	case "imagick":
		return []string{"--with-imagick"}
	case "apcu", "redis", "mongodb":
		return []string{"--enable-" + name}
	}
	return []string{"--enable-" + name}
}

// nginxConfigure is nginx's configure flags: the modules kiln's generated
// configuration uses (fastcgi, rewrite, gzip, map, realip) and the common
// ones an app's nginx includes may use. Paths are relative to the prefix,
// which the boot command passes with -p.
func nginxConfigure() []string {
	return []string{
		"--prefix=" + NginxPrefix,
		"--with-pcre-jit", "--with-threads", "--with-file-aio",
		"--with-http_ssl_module", "--with-http_v2_module", "--with-http_realip_module",
		"--with-http_gzip_static_module", "--with-http_gunzip_module",
		"--with-http_stub_status_module", "--with-http_sub_module",
		"--with-http_auth_request_module", "--with-http_secure_link_module",
		"--without-mail_pop3_module", "--without-mail_imap_module", "--without-mail_smtp_module",
	}
}

// expand fills a source URL template.
func expand(tmpl, name, version string) string {
	return strings.NewReplacer("{name}", name, "{version}", version).Replace(tmpl)
}
