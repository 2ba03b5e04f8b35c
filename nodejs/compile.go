package nodejs

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/nodejs/depcache"
	"github.com/kiln-dev/kiln/nodejs/diagnose"
	"github.com/kiln-dev/kiln/nodejs/headers"
	"github.com/kiln-dev/kiln/nodejs/prefetch"
)

// compiler carries out one plan.
type compiler struct {
	ctx  *buildpack.Context
	plan buildpack.Plan
	set  settings      // the plan's settings, decoded
	env  buildpack.Env // the build environment, grown by the environment step
	tmp  string        // scratch directory ($TMP), removed at the end
	log  *buildpack.Logger
	// http is the client of kiln's own downloads: the context's, sending
	// the app's registry token when the plan says so (registryauth.go).
	http *http.Client
	// deps is the dependency cache of the build, and all the background
	// work on the build cache (see package depcache).
	deps *depcache.Session
	// nodeCheck is the check of the Node.js placed from the shared runtime
	// store, when one runs (tool.verify).
	nodeCheck <-chan error
	// headers serves the Node.js headers to node-gyp (nil when the plan
	// does not point NODEJS_ORG_MIRROR at it).
	headers *headers.Server
	// prefetch is the background download of the lockfile's packages
	// (nil when none runs).
	prefetch *prefetch.Job
	// pruned is whether devDependencies have been pruned (for the advice
	// on a later failure).
	pruned bool
}

// Compile implements buildpack.Buildpack: it executes the plan's steps in
// order. Steps with a command run through ctx.Runner; the others are built in.
// Compile takes no decision of its own: versions, commands, caches and
// processes all come from the plan.
func (Buildpack) Compile(ctx *buildpack.Context, p buildpack.Plan) error {
	set, err := decodeSettings(p.Settings)
	if err != nil {
		return fmt.Errorf("reading the Node.js plan: %w", err)
	}
	tmp, err := os.MkdirTemp("", "kiln-node-")
	if err != nil {
		return fmt.Errorf("creating scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	log := ctx.Log
	if log == nil {
		log = buildpack.Discard()
	}
	// The engine prints the plan's warnings before and after the build.
	c := &compiler{ctx: ctx, plan: p, set: set, env: ctx.Env.Merge(nil), tmp: tmp, log: log, http: ctx.HTTP}
	if set.RegistryAuth != "" {
		c.http = withRegistryAuth(ctx.HTTP, npmrcTokens(ctx.AppDir, ctx.Env))
	}
	c.deps = depcache.New(depcache.Options{App: ctx.AppDir, CacheDir: c.cacheDir(), Log: log, Report: ctx.Report, DevDirs: c.devDirs(),
		Done: ctx.Context().Done()})
	defer c.finish(c.serveHeaders(headers.Loopback))
	last := dependencyCheckStep(p.Steps, set.DepCheckAfter)
	for i, s := range p.Steps {
		start := time.Now()
		err := c.step(s)
		ctx.Report.Step(s.Name, time.Since(start))
		if err != nil {
			return err
		}
		if i >= last {
			// Nothing after this step writes into node_modules: check the
			// saved tree while the remaining steps run.
			c.deps.StartCheck()
		}
	}
	if err := c.awaitNodeCheck(); err != nil {
		return err
	}
	return c.deps.EndCheck()
}

// finish is the one tear-down of a build, failed or not, in this order:
// the header server (stopHeaders) and the prefetch stop (no step needs
// them any more), the check of the placed Node.js, then the dependency cache waits for its background work
// (depcache.Session.Close).
func (c *compiler) finish(stopHeaders func()) {
	stopHeaders()
	c.stopPrefetch()
	if c.nodeCheck != nil {
		<-c.nodeCheck // a failed build does not leave the check running
	}
	c.deps.Close()
}

// step runs one step as the step table says: its command, or its built-in
// implementation.
func (c *compiler) step(s buildpack.Step) error {
	spec, ok := steps()[s.Name]
	if !ok {
		return fmt.Errorf("nodejs: unknown plan step %q", s.Name)
	}
	if !spec.overlapsSave {
		c.deps.AwaitSave()
	}
	switch {
	case len(s.Command) > 0 && spec.command != nil:
		return spec.command(c, s)
	case len(s.Command) > 0:
		return c.run(s)
	case spec.builtin != nil:
		return spec.builtin(c, s)
	}
	return fmt.Errorf("nodejs: plan step %q has no command", s.Name)
}

// install runs an install step, through the dependency cache when the plan
// keys one (depinstall.go).
func (c *compiler) install(s buildpack.Step) error {
	if c.set.DepCache {
		return c.installDependencies(s)
	}
	return c.run(s)
}

// build runs the build script, after the plan's notice about the scripts it
// left out.
func (c *compiler) build(s buildpack.Step) error {
	c.log.Header("%s", header(s.Name))
	if n := c.set.BuildNotice; n != "" {
		c.log.Info("%s", n)
	}
	return c.exec(s)
}

// prune removes devDependencies: kiln moves the lockfile's out first when
// the plan says so (devprune.go). A program of the web process that
// pruning removes is reported (startcheck.go).
func (c *compiler) prune(s buildpack.Step) error {
	program, from := c.webProgram()
	var err error
	switch {
	case c.set.PruneFirst:
		err = c.pruneNPM(s)
	case c.set.PNPMPruneCheck:
		err = c.prunePNPM(s)
	default:
		if c.set.YarnFlavor == "berry" {
			if err := c.writeYarnPrunePlugin(); err != nil {
				return err
			}
		}
		err = c.run(s)
	}
	if err != nil {
		return err
	}
	c.pruned = true
	return c.checkWebProgram(program, from)
}

// run prints a command step's header and executes it.
func (c *compiler) run(s buildpack.Step) error {
	c.log.Header("%s", header(s.Name))
	return c.exec(s)
}

// exec executes a command step with the build environment plus the step's.
func (c *compiler) exec(s buildpack.Step) error {
	args := make([]string, len(s.Command))
	for i, a := range s.Command {
		args[i] = c.expand(a)
	}
	env := c.env
	if len(s.Env) > 0 {
		env = env.Merge(c.expandEnv(s.Env, env))
	}
	dir := c.ctx.AppDir
	if s.Dir != "" {
		d, err := fetch.SafeJoin(c.ctx.AppDir, s.Dir)
		if err != nil {
			return fmt.Errorf("step %s: %w", s.Name, err)
		}
		dir = d
	}
	if isInstallStep(s.Name) {
		c.awaitPrefetch()
	}
	c.log.Info("Running %s", strings.Join(s.Command, " "))
	out := c.log.Writer()
	tail := &diagnose.Tail{}
	w := io.MultiWriter(out, tail)
	start := time.Now()
	err := c.ctx.Runner.Run(c.ctx.Context(), buildpack.Cmd{
		Name: args[0], Args: args[1:], Dir: dir, Env: env, Stdout: w, Stderr: w,
	})
	_ = out.Flush()
	if err != nil {
		var ee *buildpack.ExitError
		if errors.As(err, &ee) {
			ee.Step = s.Name
			c.adviseFailure(s.Name, tail.String(), ee.Code)
			return ee
		}
		return fmt.Errorf("step %s: %w", s.Name, err)
	}
	c.log.Info("Done in %s", time.Since(start).Round(10*time.Millisecond))
	if isInstallStep(s.Name) {
		c.trimNPMCache()
	}
	return nil
}

// trimNPMCache trims npm's cache in CACHE_DIR to the packages of the
// lockfile npm has just installed (see trimNPMCache). A cache the app
// points elsewhere (NPM_CONFIG_CACHE) is the app's own, left as it is.
func (c *compiler) trimNPMCache() {
	npmCache, _ := lookupAny(c.env, "NPM_CONFIG_CACHE")
	if c.set.PackageManager != "npm" || npmCache == "" || !strings.HasPrefix(npmCache, c.cacheRoot()+string(filepath.Separator)) {
		return
	}
	lock, err := os.ReadFile(filepath.Join(c.ctx.AppDir, c.set.Lockfile))
	if err != nil {
		return
	}
	if n, size := trimNPMCache(npmCache, lock); n > 0 {
		c.log.Info("Removed from npm's cache the %d package archives (%.1f MB) the lockfile no longer names", n, float64(size)/1e6)
	}
}

// expand substitutes the plan placeholders in s.
func (c *compiler) expand(s string) string {
	mirror := c.set.DistMirror
	if c.headers != nil {
		mirror = c.headers.URL()
	}
	return strings.NewReplacer(phApp, c.ctx.AppDir, phCache, c.cacheDir(), phTmp, c.tmp, phHeaders, mirror).Replace(s)
}

// expandEnv substitutes placeholders in step variables; $PATH in a value
// stands for the PATH of base.
func (c *compiler) expandEnv(vars map[string]string, base buildpack.Env) buildpack.Env {
	out := buildpack.Env{}
	for k, v := range vars {
		v = c.expand(v)
		if k == "PATH" {
			v = strings.ReplaceAll(v, "$PATH", base.Get("PATH"))
		}
		out[k] = v
	}
	return out
}

// cacheDir is the build cache, or a scratch directory when the build has
// none.
func (c *compiler) cacheDir() string {
	if c.ctx.CacheDir == "" {
		return filepath.Join(c.tmp, "cache")
	}
	return c.ctx.CacheDir
}

// nodeHome is the absolute Node.js installation directory.
func (c *compiler) nodeHome() string { return filepath.Join(c.ctx.AppDir, nodeDir) }

// environment applies the plan's build variables and prints the package
// manager configuration in effect.
func (c *compiler) environment(s buildpack.Step) error {
	c.log.Header("Creating runtime environment")
	c.env = c.env.Merge(c.expandEnv(s.Env, c.env))
	for _, kv := range configVars(c.env) {
		c.log.Info("%s", kv)
	}
	return nil
}

// skipPrune prints why devDependencies are kept.
func (c *compiler) skipPrune(buildpack.Step) error {
	c.log.Header("Pruning devDependencies")
	c.log.Info("%s", c.set.PruneOff)
	return nil
}

// listDependencies prints the app's top-level dependencies. The listing is
// informational: npm ls exits non-zero for extraneous or missing packages,
// which only earns a line.
func (c *compiler) listDependencies(s buildpack.Step) error {
	if err := c.run(s); err != nil {
		c.log.Info("%s reported a problem with the dependency tree (%v)", strings.Join(s.Command[:2], " "), err)
	}
	return nil
}
