// Package detect holds the pure detection helpers that each buildpack's
// Detect uses: they read the app's files through an fs.FS and nothing else.
// Which buildpack builds an app is decided by the engine, which asks the
// registered buildpacks in order.
package detect

import (
	"fmt"
	"io/fs"
	"strings"
)

// NodeApp detects a Node.js app: a package.json at the root. It returns the
// name the platform prints, "Node.js (Meteor)" when a .meteor directory is
// there too.
func NodeApp(app fs.FS) (name string, ok bool) {
	if !IsFile(app, "package.json") {
		return "", false
	}
	if IsDir(app, ".meteor") {
		return "Node.js (Meteor)", true
	}
	return "Node.js", true
}

// WhyNotNodeApp explains why NodeApp does not detect app: package.json
// listed in .slugignore or .gitignore, or present only in a subdirectory.
// It returns "" when app is a Node.js app or there is nothing specific to
// say.
func WhyNotNodeApp(app fs.FS) string {
	if IsFile(app, "package.json") {
		return ""
	}
	for _, f := range []struct{ file, why string }{
		{".slugignore", "which removes it before the build"},
		{".gitignore", "so it is not committed"},
	} {
		if listsLine(app, f.file, "package.json") {
			return fmt.Sprintf("package.json is listed in %s, %s: a Node.js app needs it at the root. Remove that line from %s.", f.file, f.why, f.file)
		}
	}
	entries, _ := fs.ReadDir(app, ".")
	for _, e := range entries {
		if e.IsDir() && e.Name() != "node_modules" && !strings.HasPrefix(e.Name(), ".") && IsFile(app, e.Name()+"/package.json") {
			return fmt.Sprintf("There is a package.json in %s/, but a Node.js app needs it at the root of the directory that is built.", e.Name())
		}
	}
	return ""
}

// listsLine reports whether the text file name in app has line, ignoring
// surrounding spaces and a leading slash.
func listsLine(app fs.FS, name, line string) bool {
	b, err := fs.ReadFile(app, name)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimPrefix(strings.TrimSpace(l), "/") == line {
			return true
		}
	}
	return false
}

// PHPApp detects a PHP app: composer.json or composer.lock at the root, or a
// classic app with only an index.php. It returns the name the platform
// prints.
func PHPApp(app fs.FS) (name string, ok bool) {
	if IsFile(app, "composer.json") || IsFile(app, "composer.lock") {
		return "PHP (composer.json)", true
	}
	if IsFile(app, "index.php") {
		return "PHP (classic)", true
	}
	return "", false
}

// IsFile reports whether name is a regular file (or a link to one) in app.
func IsFile(app fs.FS, name string) bool {
	fi, err := fs.Stat(app, name)
	return err == nil && !fi.IsDir()
}

// IsDir reports whether name is a directory (or a link to one) in app.
func IsDir(app fs.FS, name string) bool {
	fi, err := fs.Stat(app, name)
	return err == nil && fi.IsDir()
}
