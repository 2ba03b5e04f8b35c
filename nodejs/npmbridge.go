package nodejs

import "github.com/kiln-dev/kiln/stacks"

// Node.js 22.22.2 bundles npm 10.9.7, which cannot upgrade itself to npm
// 11.11 or later: half-way through `npm install --global npm@11.x` it loads
// a module of its own that the new release no longer ships, and stops with
// "Cannot find module 'promise-retry'" (npm/cli#9151), leaving npm 10.9.7 in
// place. npm 11.10 can make the jump, so a build on that release installs
// it first, as the reference buildpacks do. The reference does it for
// targets 11.11 to 11.x; npm 12 crashes the same way from 10.9.7 (measured
// with npm 12.2.2), so kiln does it for every target from 11.11 on.
const (
	npmBridgeNode    = "22.22.2"
	npmBridgeVersion = "~11.10.0"
	npmBridgeFrom    = "11.11.0"
	npmBridgeHeader  = "Installing npm " + npmBridgeVersion + " first: the npm of Node.js " + npmBridgeNode +
		" cannot upgrade itself to npm " + npmBridgeFrom + " or later directly (npm/cli#9151)"
)

// needsNPMBridge reports whether installing npm requested (engines.npm) on
// Node.js nodeVersion must go through npm ~11.10.0 first: on Node.js
// 22.22.2, when the request can resolve to npm 11.11 or later, or is no
// range at all (a dist-tag such as "latest", which only the registry
// resolves; today's latest is such a release).
func needsNPMBridge(nodeVersion, requested string) bool {
	if nodeVersion != npmBridgeNode || requested == "" {
		return false
	}
	reaches, err := stacks.NpmRangeReaches(requested, npmBridgeFrom, "1000000.0.0")
	return err != nil || reaches
}
