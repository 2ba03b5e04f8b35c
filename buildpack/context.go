package buildpack

import (
	"context"
	"net/http"

	"github.com/kiln-dev/kiln/stacks"
)

// Context is everything a buildpack sees of the outside world. Planning reads
// AppDir, Env and Stack only; compiling also uses the cache, the runner, the
// HTTP client and the logger.
type Context struct {
	// Ctx cancels long-running work.
	Ctx context.Context
	// AppDir is the absolute path of the application (the slug being built).
	AppDir string
	// CacheDir is the absolute path of the build cache; "" means no cache.
	CacheDir string
	// RuntimeStore is the shared runtime store (KILN_RUNTIME_STORE): where
	// runtimes are kept unpacked for every build of the machine; "" keeps
	// them in CACHE_DIR as archives (see cache.Runtimes).
	RuntimeStore string
	// Env is the build environment: process environment, ENV_DIR and flags.
	Env Env
	// Stack is the target stack.
	Stack *stacks.Stack
	// Log receives the build output.
	Log *Logger
	// Runner runs programs.
	Runner Runner
	// HTTP fetches runtimes, package managers and registry documents. The
	// engine makes one per build, so that requests to one host (a registry
	// document, then its tarball) reuse a connection instead of paying a TLS
	// handshake each; nil means a new client with short timeouts per request.
	HTTP *http.Client
	// BulkHTTP fetches many small files at once (Node's prefetch of the
	// lockfile's packages, 32 at a time). It is a client of its own because
	// over HTTP/2 one client shares one connection per host: a runtime
	// download on the build's critical path, sharing a host with those
	// packages, would get one stream's share of it. nil means HTTP.
	BulkHTTP *http.Client
	// Executable is the path of the running kiln binary, for buildpacks that
	// ship it in the slug (the PHP boot command); "" when unknown.
	Executable string
	// Report collects cache hits, downloads and step timings for the build
	// summary; nil records nothing.
	Report *Report
	// ExportFile, when not empty, is where a buildpack writes the shell
	// exports that the buildpacks running after it in a multi-buildpack
	// build source (the classic API's export file).
	ExportFile string
	// DiscardDir, when not empty, is a directory outside the app, on its
	// filesystem, where a buildpack may move what the slug must not keep
	// (pruned packages): the caller removes it after the build, outside
	// the build's time. Empty: the buildpack removes such things itself.
	DiscardDir string
	// ForRelease says the plan is made for the release (bin/release), which
	// uses its processes only: a buildpack does not fail it over settings
	// only compile needs (the PHP runtime repository), which the release's
	// environment may lack.
	ForRelease bool
	// Member, when not empty, is the app's directory relative to AppDir
	// (slash-separated): AppDir is the root of a workspace the app is a
	// member of (kiln build --path). The buildpack builds AppDir and plans
	// no processes: the engine takes them from a plan of the member.
	Member string
}

// Context returns c.Ctx, or context.Background when unset.
func (c *Context) Context() context.Context {
	if c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}
