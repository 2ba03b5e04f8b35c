package boot

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// CheckAppPath rejects an absolute path, a path that climbs out of the app
// with "..", and characters that would break the generated configuration.
// setting names where the path comes from, for the message.
func CheckAppPath(setting, p string) error {
	hint := "Paths are relative to the root of the app and must stay inside it."
	if strings.HasPrefix(p, "/") {
		return buildpack.Userf("%s: %q is an absolute path", setting, p).WithHint(hint)
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return buildpack.Userf("%s: %q points outside the app", setting, p).WithHint(hint)
	}
	if strings.ContainsAny(p, " \t\n\r;'\"{}$\\") {
		return buildpack.Userf("%s: %q contains a space, quote, brace, dollar or semicolon", setting, p).
			WithHint("Rename the file or directory so nginx and PHP-FPM can use the path as is.")
	}
	return nil
}

// CleanRel returns the cleaned relative form of p, "" for the app root.
func CleanRel(p string) string {
	c := path.Clean("/" + p)
	return strings.TrimPrefix(c, "/")
}

// CheckIndexDocument rejects an index document that is not a plain file
// name.
func CheckIndexDocument(index string) error {
	if strings.ContainsAny(index, "/ \t\n;'\"{}$\\") || strings.HasPrefix(index, ".") {
		return buildpack.Userf("index document %q must be a file name such as index.php", index).
			WithHint("The index document is the file nginx serves for a directory; it cannot be a path.")
	}
	return nil
}

// BinDirs lists the slug's program directories for a runtime source, under
// app (a path, or a variable such as "$HOME").
func BinDirs(source, app string) []string {
	dirs := []string{app + "/vendor/bin"}
	if source == SourceRepository {
		dirs = append([]string{app + "/vendor/php/bin", app + "/vendor/php/sbin", app + "/vendor/nginx/sbin", app + "/vendor/composer/bin"}, dirs...)
	}
	return dirs
}

// ScanDirs is PHP_INI_SCAN_DIR: the runtime's own directory (for the host's
// PHP, an empty element that PHP reads as its built-in one), then kiln's.
func ScanDirs(source, app string) string {
	if source == SourceRepository {
		return app + "/vendor/php/etc/conf.d:" + app + "/" + PHPScanDir
	}
	return ":" + app + "/" + PHPScanDir
}

// sbinDirs are searched after PATH: the daemons live there and a normal
// user's PATH often lacks them.
func sbinDirs() []string { return []string{"/usr/local/sbin", "/usr/sbin", "/sbin"} }

// FindProgram returns the first of names found on env's PATH or in the sbin
// directories.
func FindProgram(env buildpack.Env, names ...string) (string, error) {
	path := env.Get("PATH") + ":" + strings.Join(sbinDirs(), ":")
	for _, n := range names {
		if p, err := buildpack.LookPath(n, path); err == nil {
			return p, nil
		}
	}
	// Debian names PHP-FPM after its version only: php-fpm8.2.
	if names[0] == "php-fpm" {
		var found []string
		for _, d := range sbinDirs() {
			m, _ := filepath.Glob(filepath.Join(d, "php-fpm[0-9]*"))
			found = append(found, m...)
		}
		if len(found) > 0 {
			sort.Strings(found)
			return found[len(found)-1], nil
		}
	}
	return "", fmt.Errorf("%s not found", names[0])
}
