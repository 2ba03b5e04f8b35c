// Package detect holds the pure detection helpers that each buildpack's
// Detect uses: they read the app's files through an fs.FS and nothing else.
// Which buildpack builds an app is decided by the engine, which asks the
// registered buildpacks in order.
package detect

import "io/fs"

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
