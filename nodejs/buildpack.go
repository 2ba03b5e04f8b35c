// Package nodejs is kiln's Node.js buildpack. Plan decides, from the app's
// files and environment alone, everything a build will do; Compile carries
// out such a plan step by step: it installs Node.js and the package manager,
// runs the install, build and prune commands, keeps the cache, and writes the
// runtime scripts.
package nodejs

import (
	"io/fs"

	"github.com/kiln-dev/kiln/detect"
)

// Buildpack is the Node.js buildpack. The zero value is ready to use. It is
// also the buildpack.AssetBuilder of PHP apps with a package.json.
type Buildpack struct{}

// ID implements buildpack.Buildpack.
func (Buildpack) ID() string { return "nodejs" }

// Detect implements buildpack.Buildpack with detect.NodeApp; a build forced
// onto an app without a package.json is called "Node.js".
func (Buildpack) Detect(app fs.FS) (string, bool) {
	if name, ok := detect.NodeApp(app); ok {
		return name, true
	}
	return "Node.js", false
}

// NotDetectedReason implements buildpack.DetectExplainer with
// detect.WhyNotNodeApp.
func (Buildpack) NotDetectedReason(app fs.FS) string { return detect.WhyNotNodeApp(app) }

// Placeholders used in plans instead of host paths; Compile substitutes them.
const (
	phApp   = "$APP"   // the application (slug) directory
	phCache = "$CACHE" // the build cache directory
	phTmp   = "$TMP"   // a per-build scratch directory, removed afterwards
	// phHeaders is the URL of the nodejs.org mirror the build serves the
	// Node.js headers from (nodejs/headers).
	phHeaders = "$NODE_HEADERS_MIRROR"
)

// nodeDir is where Node.js is installed, relative to the app; at runtime it is
// $HOME/.scalingo/node as on the reference platform.
const nodeDir = ".scalingo/node"
