package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
)

// cmdPlan prints what a build of APP would do, as text or JSON.
func cmdPlan(a *app, args []string) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	asJSON := fs.Bool("json", false, "print the plan as one JSON object")
	forWhat := fs.String("for", "build", "the build the plan describes: build (kiln build: the host's PHP unless KILN_PHP_RUNTIME is set) or compile (bin/compile: the runtime repository)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kiln %s", commands()["plan"].usage)
	}
	env, err := bf.environment(a.env, a.stderr)
	if err != nil {
		return err
	}
	switch *forWhat {
	case "build":
		env = localDefaults(env)
	case "compile":
	default:
		return usagef("kiln plan --for %s: want build or compile", *forWhat)
	}
	defer a.redact(env)()
	path, from := bf.appPath(env, a.stderr)
	layout, err := local.Locate(pos[0], path, from)
	if err != nil {
		return err
	}
	e := a.engine(env, bf.stack, bf.buildpack)
	e.Member, e.Location = layout.Member, layout.Describe()
	p, err := e.Prepare(layout.Root, "")
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, p.Plan)
	}
	printPlan(a.stdout, p.Plan.Flat())
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// printPlan renders a plan for people; p is a flat plan (buildpack.Plan.Flat).
func printPlan(w io.Writer, p buildpack.Plan) {
	fmt.Fprintf(w, "-----> %s app, stack %s\n", p.Name, p.Stack)
	if len(p.Runtimes) > 0 {
		fmt.Fprintln(w, "-----> Runtimes")
		for _, r := range p.Runtimes {
			fmt.Fprintf(w, "       %-9s %-10s %s\n", r.Name, r.Version, runtimeOrigin(r))
		}
	}
	fmt.Fprintln(w, "-----> Steps")
	for i, s := range p.Steps {
		line := fmt.Sprintf("       %2d. %s", i+1, s.Name)
		if len(s.Command) > 0 {
			line += ": " + strings.Join(s.Command, " ")
		}
		fmt.Fprintln(w, line)
	}
	if len(p.Caches) > 0 {
		fmt.Fprintf(w, "-----> Cached between builds: %s\n", strings.Join(p.Caches, ", "))
	}
	if len(p.Settings) > 0 {
		fmt.Fprintln(w, "-----> Settings")
		for _, k := range slices.Sorted(maps.Keys(p.Settings)) {
			fmt.Fprintf(w, "       %s = %s\n", k, p.Settings[k])
		}
	}
	fmt.Fprintln(w, "-----> Processes")
	for _, k := range slices.Sorted(maps.Keys(p.Processes)) {
		fmt.Fprintf(w, "       %s: %s\n", k, p.Processes[k])
	}
	for _, warn := range p.Warnings {
		for _, line := range strings.Split(warn, "\n") {
			fmt.Fprintf(w, " !     %s\n", line)
		}
	}
}
