package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
	"github.com/kiln-dev/kiln/local/cachedir"
)

// localDefaults is the environment of a local build (kiln build, and the
// kiln plan describing it): on a developer's machine the host's PHP,
// PHP-FPM, nginx and Composer are the natural runtime, unless
// KILN_PHP_RUNTIME says otherwise; platforms (bin/compile) use the
// repository.
func localDefaults(env buildpack.Env) buildpack.Env {
	if _, set := env.Lookup("KILN_PHP_RUNTIME"); !set {
		env = env.With("KILN_PHP_RUNTIME", "system")
	}
	return env
}

// cmdBuild builds APP locally into a slug, like `pack build`.
func cmdBuild(a *app, args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	output := fs.String("output", "", "slug directory (default APP/.kiln/slug)")
	tarball := fs.String("tar", "", "write a .tar.gz slug to this file instead of a directory")
	cache := fs.String("cache", "", "build cache directory (default: one per app under the user cache directory)")
	noCache := fs.Bool("no-cache", false, "build with an empty, throw-away cache")
	noWait := fs.Bool("no-wait", false, "fail at once when another build is using the same output or cache, instead of waiting for it")
	asJSON := fs.Bool("json", false, "print the plan, timings and sizes as one JSON object on stdout (build output goes to stderr)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kiln %s", commands()["build"].usage)
	}
	if *output != "" && *tarball != "" {
		return usagef("kiln build: --output and --tar both name where the slug goes: give one (--tar FILE writes a .tar.gz, --output DIR a directory)")
	}
	env, err := bf.environment(a.env, a.stderr)
	if err != nil {
		return err
	}
	env = localDefaults(env)
	defer a.redact(env)()
	cacheMax, err := cacheMaxSetting(env)
	if err != nil {
		return err
	}
	out := a.stdout
	if *asJSON {
		out = a.stderr
	}
	e := a.engine(env, bf.stack, bf.buildpack)
	e.Out = out
	if _, set := env.Lookup("KILN_RUNTIME_STORE"); !set && !*noCache {
		// One store per user: every app built on this machine shares its
		// runtimes. --no-cache builds without it, from fresh downloads.
		if e.RuntimeStore, err = local.DefaultRuntimeStore(); err != nil {
			return err
		}
	}
	path, from := bf.appPath(env, a.stderr)
	start := time.Now()
	res, err := local.Build(local.BuildOptions{
		AppDir: pos[0], Output: *output, Tar: *tarball,
		CacheDir: *cache, NoCache: *noCache, Engine: e,
		Discard: a.discard, NoWait: *noWait,
		Path: path, PathFrom: from,
	})
	if err != nil {
		return a.interrupted(err)
	}
	if !*asJSON {
		printSummary(out, res)
	}
	if cacheMax > 0 {
		trimCaches(out, cacheMax, e.RuntimeStore, res.CacheDir, start)
	}
	if *asJSON {
		return writeJSON(a.stdout, res)
	}
	return nil
}

// cacheMaxSetting reads KILN_CACHE_MAX: the size the caches of kiln build
// may take on this machine (0: no limit).
func cacheMaxSetting(env buildpack.Env) (int64, error) {
	v := env.Get("KILN_CACHE_MAX")
	if v == "" {
		return 0, nil
	}
	n, err := cachedir.ParseSize(v)
	if err != nil {
		return 0, buildpack.Userf("KILN_CACHE_MAX: %v", err)
	}
	return n, nil
}

// trimCaches brings the app caches and the runtime store under max after
// a build (cachedir.Trim), keeping the cache the build used and the
// runtimes it placed, and says so in one line. A failure to trim does not
// fail the build.
func trimCaches(w io.Writer, max int64, store, used string, start time.Time) {
	root, err := local.DefaultCacheRoot()
	if err != nil {
		fmt.Fprintf(w, " !     KILN_CACHE_MAX: %v\n", err)
		return
	}
	if store == "" {
		store = filepath.Join(root, "runtimes")
	}
	// File times come from a coarser clock than time.Now: a runtime this
	// build placed may carry a time slightly before its start.
	rs, after, err := cachedir.Trim(cachedir.Layout{Apps: filepath.Join(root, "apps"), Store: store}, max, used, start.Add(-2*time.Second))
	if len(rs) > 0 {
		apps := 0
		for _, r := range rs {
			if r.Kind == "app" {
				apps++
			}
		}
		var what []string
		if apps > 0 {
			what = append(what, plural(apps, "app cache", "app caches"))
		}
		if n := len(rs) - apps; n > 0 {
			what = append(what, plural(n, "runtime", "runtimes"))
		}
		line := fmt.Sprintf("-----> Caches over KILN_CACHE_MAX (%s): removed the least recently used %s, %s freed; now %s",
			humanBytes(max), strings.Join(what, " and "), humanBytes(cachedir.Freed(rs)), humanBytes(after))
		if after > max {
			line += ", all of it used by this build"
		}
		fmt.Fprintln(w, line)
	} else if err == nil && after > max {
		fmt.Fprintf(w, "-----> Caches over KILN_CACHE_MAX (%s): %s, all of it used by this build\n", humanBytes(max), humanBytes(after))
	}
	if err != nil {
		fmt.Fprintf(w, " !     KILN_CACHE_MAX: %v\n", err)
	}
}

func printSummary(w io.Writer, r *local.Result) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "-----> Built %s app (stack %s)\n", r.Plan.Name, r.Plan.Stack)
	for _, rt := range r.Plan.Flat().Runtimes {
		fmt.Fprintf(w, "       %-9s %-10s %s\n", rt.Name, rt.Version, runtimeOrigin(rt))
	}
	fmt.Fprintf(w, "       slug      %s (%s)\n", r.Output, humanBytes(r.SlugBytes))
	if len(r.Report.CacheHits) > 0 {
		fmt.Fprintf(w, "       cache     %d hit(s): %v\n", len(r.Report.CacheHits), r.Report.CacheHits)
	} else {
		fmt.Fprintf(w, "       cache     no hits (%s)\n", r.CacheDir)
	}
	line := "       time     "
	for _, p := range r.Phases {
		line += fmt.Sprintf(" %s %s,", p.Name, p.Duration.Round(10*time.Millisecond))
	}
	fmt.Fprintf(w, "%s total %s\n", line, r.Total.Round(10*time.Millisecond))
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// runtimeOrigin says where a runtime's version comes from: the request and
// its source (`"24.x" from package.json engines.node`), or the default.
func runtimeOrigin(rt buildpack.Runtime) string {
	switch {
	case rt.Requested != "":
		return fmt.Sprintf("%q from %s", rt.Requested, rt.Source)
	case rt.Source == "" || rt.Source == "default":
		return "default"
	default:
		return "default (" + rt.Source + ")"
	}
}

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
