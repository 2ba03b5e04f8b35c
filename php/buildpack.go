package php

import (
	"io/fs"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/detect"
)

// Buildpack is the PHP buildpack. Its zero value is ready to use and builds
// no front-end assets.
type Buildpack struct {
	// Assets builds the front-end assets of apps with a package.json (the
	// Node.js buildpack, wired where the buildpacks are registered); nil
	// means the build skips them, as with PHP_BUILDPACK_NO_NODE=true.
	Assets buildpack.AssetBuilder
	// RuntimeKeys are the runtime repository's public keys embedded in
	// kiln at packaging time (base64, comma-separated; see runtimeKeys),
	// used when KILN_RUNTIME_PUBLIC_KEY is not set.
	RuntimeKeys string
}

// ID implements buildpack.Buildpack.
func (Buildpack) ID() string { return "php" }

// Detect implements buildpack.Buildpack with detect.PHPApp; a build forced
// onto an app without PHP markers is called "PHP (classic)".
func (Buildpack) Detect(app fs.FS) (string, bool) {
	if name, ok := detect.PHPApp(app); ok {
		return name, true
	}
	return "PHP (classic)", false
}
