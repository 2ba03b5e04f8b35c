package php

import (
	"io/fs"

	"github.com/kiln-dev/kiln/detect"
)

// Buildpack is the PHP buildpack. Its zero value is ready to use.
type Buildpack struct{}

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
