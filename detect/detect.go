// Package detect decides, from files alone, which buildpack an app needs.
// It is pure: it reads the app directory and nothing else.
package detect

import (
	"io/fs"
	"os"
)

// Buildpack identifiers.
const (
	NodeJS = "nodejs"
	PHP    = "php"
)

// Result is the outcome of detection.
type Result struct {
	// Buildpack is NodeJS, PHP, or "" when nothing matched.
	Buildpack string
	// Name is the detected name as the platform prints it, e.g. "PHP (classic)".
	Name string
}

// Detected reports whether a buildpack matched.
func (r Result) Detected() bool { return r.Buildpack != "" }

// Detect inspects the root of an app. PHP wins when both PHP and Node.js
// markers are present: such an app is a PHP app that also builds front-end
// assets with Node.js.
func Detect(app fs.FS) Result {
	if r := PHPApp(app); r.Detected() {
		return r
	}
	return NodeApp(app)
}

// Dir runs Detect on a directory.
func Dir(dir string) Result { return Detect(os.DirFS(dir)) }

// NodeApp detects a Node.js app: a package.json at the root, and a .meteor
// directory for Meteor apps.
func NodeApp(app fs.FS) Result {
	if !isFile(app, "package.json") {
		return Result{}
	}
	if isDir(app, ".meteor") {
		return Result{Buildpack: NodeJS, Name: "Node.js (Meteor)"}
	}
	return Result{Buildpack: NodeJS, Name: "Node.js"}
}

// PHPApp detects a PHP app: composer.json or composer.lock at the root, or a
// classic app with only an index.php.
func PHPApp(app fs.FS) Result {
	if isFile(app, "composer.json") || isFile(app, "composer.lock") {
		return Result{Buildpack: PHP, Name: "PHP (composer.json)"}
	}
	if isFile(app, "index.php") {
		return Result{Buildpack: PHP, Name: "PHP (classic)"}
	}
	return Result{}
}

func isFile(app fs.FS, name string) bool {
	fi, err := fs.Stat(app, name)
	return err == nil && !fi.IsDir()
}

func isDir(app fs.FS, name string) bool {
	fi, err := fs.Stat(app, name)
	return err == nil && fi.IsDir()
}
