package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
)

// cmdBuild builds APP locally into a slug, like `pack build`.
func cmdBuild(a *app, args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	output := fs.String("output", "", "slug directory (default APP/.kiln/slug)")
	tarball := fs.String("tar", "", "write a .tar.gz slug to this file instead of a directory")
	cache := fs.String("cache", "", "build cache directory (default: one per app under the user cache directory)")
	noCache := fs.Bool("no-cache", false, "build with an empty, throw-away cache")
	asJSON := fs.Bool("json", false, "print the plan, timings and sizes as one JSON object on stdout (build output goes to stderr)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kiln %s", commands()["build"].usage)
	}
	env, err := bf.environment(a.env)
	if err != nil {
		return err
	}
	if _, set := env.Lookup("KILN_PHP_RUNTIME"); !set {
		// On a developer's machine the host's PHP, PHP-FPM, nginx and
		// Composer are the natural runtime; platforms use the repository.
		env = env.With("KILN_PHP_RUNTIME", "system")
	}
	out := a.stdout
	if *asJSON {
		out = a.stderr
	}
	e := a.engine(env, bf.stack, bf.buildpack)
	e.Out = out
	res, err := local.Build(local.BuildOptions{
		AppDir: pos[0], Output: *output, Tar: *tarball,
		CacheDir: *cache, NoCache: *noCache, Engine: e,
		Discard: a.discard,
	})
	if err != nil {
		return a.interrupted(err)
	}
	if *asJSON {
		return writeJSON(a.stdout, res)
	}
	printSummary(out, res)
	return nil
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
