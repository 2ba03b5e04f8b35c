package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/runtimes/build"
	"github.com/kiln-dev/kiln/stacks"
)

// runtimesBuildCommand is `kiln runtimes build`, a subcommand of kiln
// runtimes.
func runtimesBuildCommand() command {
	return command{
		usage: "runtimes build --host [--stack S] [--out DIR] [--php V] [--nginx V] [--composer V] [--ext NAME=V,...] " +
			"[--source-url NAME=URL]... [--sha256 NAME=HEX]... [--cache DIR] [--jobs N]",
		run: cmdRuntimesBuild, flags: true,
		summary: "Compiles PHP (with its optional bundled extensions), PECL extensions and nginx from their source archives, and fetches\n" +
			"  Composer's phar, for a stack, into a runtime repository DIR (default dist/runtimes) with a .build.json per archive.\n" +
			"  Every source is verified against a SHA-256 (--sha256, or the ones kiln knows). --host compiles on this machine;\n" +
			"  for a platform's stack, run it inside the stack's build image (stacks/<stack>/Dockerfile). Finished archives\n" +
			"  are cached by their inputs in --cache (default $KILN_RUNTIME_BUILD_CACHE, else kiln/runtime-builds under\n" +
			"  $XDG_CACHE_HOME or ~/.cache). Source URLs: --source-url, or KILN_PHP_SOURCE_URL, KILN_NGINX_SOURCE_URL,\n" +
			"  KILN_PECL_SOURCE_URL and KILN_COMPOSER_SOURCE_URL, with {name} and {version} in them.",
	}
}

// pairFlag collects repeated NAME=VALUE options, each possibly a comma
// separated list.
type pairFlag struct {
	list   bool
	values map[string]string
	order  []string
}

func (p *pairFlag) String() string { return strings.Join(p.order, ",") }

func (p *pairFlag) Set(v string) error {
	items := []string{v}
	if p.list {
		items = strings.Split(v, ",")
	}
	for _, it := range items {
		k, val, ok := strings.Cut(strings.TrimSpace(it), "=")
		if !ok || k == "" || val == "" {
			return fmt.Errorf("want NAME=VALUE, got %q", it)
		}
		if p.values == nil {
			p.values = map[string]string{}
		}
		if _, dup := p.values[k]; !dup {
			p.order = append(p.order, k)
		}
		p.values[k] = val
	}
	return nil
}

// sourceEnv names the variables that override the source URL templates.
func sourceEnv() map[string]string {
	return map[string]string{
		"php": "KILN_PHP_SOURCE_URL", "nginx": "KILN_NGINX_SOURCE_URL",
		"pecl": "KILN_PECL_SOURCE_URL", "composer": "KILN_COMPOSER_SOURCE_URL",
	}
}

func cmdRuntimesBuild(a *app, args []string) error {
	fs := flag.NewFlagSet("runtimes build", flag.ContinueOnError)
	host := fs.Bool("host", false, "compile on this machine (its compilers and libraries must be the stack's)")
	stack := fs.String("stack", "", "the stack the archives are for (default: $STACK, else "+defaultStack()+")")
	out := fs.String("out", "dist/runtimes", "the repository directory to write into")
	php := fs.String("php", "", "the PHP version to build")
	nginx := fs.String("nginx", "", "the nginx version to build")
	composer := fs.String("composer", "", "the Composer version to fetch (its SHA-256 with --sha256 composer=HEX)")
	cache := fs.String("cache", "", "the build cache directory")
	jobs := fs.Int("jobs", 0, "parallel compile jobs (default: the number of CPUs)")
	exts := &pairFlag{list: true}
	fs.Var(exts, "ext", "PECL extensions to build against PHP, NAME=VERSION (comma-separated, repeatable)")
	urls := &pairFlag{}
	fs.Var(urls, "source-url", "the source URL template of NAME (php, nginx, pecl, composer or an extension), with {name} and {version} (repeatable)")
	sums := &pairFlag{list: true}
	fs.Var(sums, "sha256", "the SHA-256 of NAME's source archive, NAME=HEX (repeatable)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	usage := "usage: kiln " + runtimesBuildCommand().usage
	switch {
	case len(pos) > 0:
		return usagef("runtimes build: unexpected argument %q\n%s", pos[0], usage)
	case len(exts.values) > 0 && *php == "":
		return usagef("runtimes build: --ext builds extensions against a PHP: give --php too")
	case *php == "" && *nginx == "" && *composer == "":
		return usagef("runtimes build: nothing to build: give --php, --nginx or --composer\n%s", usage)
	case *jobs < 0:
		return usagef("runtimes build: --jobs %d: want a positive number", *jobs)
	}
	name := *stack
	if name == "" {
		name = a.env.Default("STACK", defaultStack())
	}
	if _, err := stacks.Load(name); err != nil {
		return buildpack.Userf("runtimes build: %v", err)
	}
	if !*host {
		return buildpack.Userf("runtimes build: kiln compiles runtimes on the current machine only with --host, and the "+
			"archives then need this machine's libraries wherever they run. To build for the %s stack, build in its build "+
			"image: docker build -t kiln-runtimes-%s -f stacks/%s/Dockerfile . && docker run --rm -v \"$PWD/dist:/dist\" "+
			"kiln-runtimes-%s runtimes build --host --stack %s --out /dist/runtimes …", name, name, name, name, name)
	}
	dir := *cache
	if dir == "" {
		dir, err = runtimeBuildCache(a.env)
		if err != nil {
			return err
		}
	}
	sources := map[string]string{}
	for n, v := range sourceEnv() {
		if u := a.env.Get(v); u != "" {
			sources[n] = u
		}
	}
	for n, u := range urls.values {
		sources[n] = u
	}
	var list []build.Extension
	for _, n := range exts.order {
		list = append(list, build.Extension{Name: n, Version: exts.values[n]})
	}
	outDir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	arts, err := build.Run(a.ctx, build.Options{
		Stack: name, Out: outDir, PHP: *php, Nginx: *nginx, Composer: *composer,
		Extensions: list, Sources: sources, SHA256: sums.values, CacheDir: dir, Jobs: *jobs,
		Runner: buildpack.ExecRunner{Guard: a.guard}, Env: a.env,
		Log: a.stdout, Output: a.stderr,
		Builder: fmt.Sprintf("kiln %s runtimes build --host", version),
	})
	if err != nil {
		return a.interrupted(err)
	}
	built, reused := 0, 0
	for _, x := range arts {
		if x.Cached {
			reused++
		} else {
			built++
		}
	}
	paths := make([]string, 0, len(arts))
	for _, x := range arts {
		paths = append(paths, x.Path)
	}
	sort.Strings(paths)
	fmt.Fprintf(a.stdout, "Wrote %d archive(s) into %s (%d built, %d from the build cache %s):\n  %s\n",
		len(arts), outDir, built, reused, dir, strings.Join(paths, "\n  "))
	return nil
}

// runtimeBuildCache is the default build cache of kiln runtimes build.
func runtimeBuildCache(env buildpack.Env) (string, error) {
	if d := env.Get("KILN_RUNTIME_BUILD_CACHE"); d != "" {
		return d, nil
	}
	base := env.Get("XDG_CACHE_HOME")
	if base == "" {
		home := env.Get("HOME")
		if home == "" {
			return "", buildpack.Userf("runtimes build: neither XDG_CACHE_HOME nor HOME is set: pass --cache DIR")
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "kiln", "runtime-builds"), nil
}
