// Command kiln builds Node.js and PHP apps into runnable slugs. It speaks the
// classic buildpack API (detect, compile, release), explains a build before
// running it (plan), and builds and runs apps locally (build, run).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
)

// version is set at link time by `make package`.
var version = "dev"

// runtimePublicKey is the runtime repository's public key (base64; several
// separated by commas) that PHP builds verify its manifests with when
// KILN_RUNTIME_PUBLIC_KEY is not set. `make package` (and `make build`)
// set it at link time from KILN_RUNTIME_PUBLIC_KEY when that is set.
var runtimePublicKey = ""

// softMemoryLimit is the heap size above which the Go collector works
// harder (runtime/debug.SetMemoryLimit). A build's live heap stays near
// 15 MB, but by default the collector lets the heap grow to twice the live
// size between collections: kiln peaked at 44 MB on bench/apps/large (27 MB
// of heap while node_modules was listed); with this limit, at 33 MB. Past
// it (a far larger app) the collector runs more often, within Go's cap on
// its CPU share. GOMEMLIMIT, when set, wins.
const softMemoryLimit = 24 << 20

func main() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	ctx, stop := buildpack.NotifyInterrupt(context.Background())
	guard := buildpack.NewGroupGuard(guardCommand)
	a := &app{ctx: ctx, stdout: os.Stdout, stderr: os.Stderr, env: buildpack.EnvFromOS(), discard: detachedDiscard, guard: guard}
	code := a.main(os.Args)
	guard.Close()
	stop()
	os.Exit(code)
}

// app carries the process-level inputs of a command.
type app struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	env    buildpack.Env
	// discard removes a replaced slug; nil removes it in the foreground
	// (in-process tests must not start the test binary as a child).
	discard local.Discarder
	// guard kills what the build's programs left running if kiln dies;
	// nil guards nothing (in-process tests must not start the test binary
	// as a child).
	guard *buildpack.GroupGuard
}

type command struct {
	usage   string
	summary string
	run     func(a *app, args []string) error
	// flags is true when run parses its arguments with a flag set, which
	// then answers -h and --help itself.
	flags bool
}

func commands() map[string]command {
	return map[string]command{
		"detect": {usage: "detect APP", run: cmdDetect,
			summary: "Prints the buildpack that would build APP (Node.js or PHP) and exits 0; exits 1 when none matches, saying why on stderr."},
		"plan": {usage: "plan [--json] [--for build|compile] [--stack S] [--env K=V]... [--env-dir DIR] [--buildpack nodejs|php] [--path DIR] APP", run: cmdPlan, flags: true,
			summary: "Prints what a build of APP would do: buildpack, stack, runtimes, steps, caches and processes. With --path (or PROJECT_DIR), APP is a repository and DIR the app's directory in it."},
		"compile": {usage: "compile [--export FILE] BUILD_DIR CACHE_DIR [ENV_DIR]", run: cmdCompile,
			summary: "The classic buildpack compile (what bin/compile runs): builds BUILD_DIR in place with CACHE_DIR and the variables of ENV_DIR."},
		"release": {usage: "release BUILD_DIR", run: cmdRelease,
			summary: "The classic buildpack release: prints the release YAML of a compiled BUILD_DIR (what bin/release prints)."},
		"build": {usage: "build [--output DIR | --tar FILE] [--cache DIR | --no-cache] [--no-wait] [--json] [--stack S] [--env K=V]... [--env-dir DIR] [--buildpack nodejs|php] [--path DIR] APP", run: cmdBuild, flags: true,
			summary: "Builds APP locally into a slug (APP/.kiln/slug by default) with a persistent per-app cache, and prints a summary. With --path (or PROJECT_DIR), APP is a repository and DIR the app's directory in it (slug in DIR/.kiln/slug)."},
		"run": {usage: "run [--env K=V]... [--port N] SLUG|APP [PROCESS] [-- COMMAND...]", run: cmdRun, flags: true,
			summary: "Starts a process type of SLUG (default web) or COMMAND, as the platform would; returns its exit status."},
		"cache": {usage: "cache ls|prune|clean [--json] [--days N] [--cache-root DIR] [APP]", run: cmdCache, flags: true,
			summary: "Shows and frees the space kiln build uses on this machine.\n" +
				"  cache ls (or list)      each app's cache (size, last build, the app's path, (gone) when it no longer\n" +
				"                          exists) and the shared runtime store (each runtime's size and last use), totals\n" +
				"  cache prune [--days N]  removes the app caches not built for N days (default 30) or whose app is gone,\n" +
				"                          the runtimes no build used for N days, and older downloads\n" +
				"  cache clean [APP]       removes APP's cache; without APP, every app cache and the runtime store\n" +
				"KILN_RUNTIME_STORE names the store when set. KILN_CACHE_MAX (such as 2G or 500M) makes kiln build\n" +
				"remove the least recently used caches when they exceed that size."},
		"runtimes": runtimesCommand(),
		"version": {usage: "version", run: cmdVersion,
			summary: "Prints kiln's version."},
		"php-boot": {usage: "php-boot (the web process of PHP slugs)", run: cmdPHPBoot,
			summary: "Starts nginx and PHP-FPM from the slug directory; the release of PHP slugs runs it as the web process."},
	}
}

// hiddenCommands are started by kiln itself and not listed in the usage.
func hiddenCommands() map[string]command {
	return map[string]command{
		discardCommand: {usage: discardCommand + " DIR...", run: cmdDiscard,
			summary: "Removes the trash directories a build left behind (started by kiln)."},
		guardName: {usage: guardName, run: cmdGuard,
			summary: "Kills the process groups kiln registers on stdin once stdin ends (started by kiln)."},
	}
}

// run executes one kiln command line in-process and returns its exit status.
func run(ctx context.Context, argv []string, env buildpack.Env, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, stdout: stdout, stderr: stderr, env: env}
	return a.main(argv)
}

func (a *app) main(argv []string) int {
	stdout, stderr := a.stdout, a.stderr
	name := filepath.Base(argv[0])
	args := argv[1:]
	cmds := commands()
	if _, ok := cmds[name]; !ok || name == "version" {
		if len(args) == 0 || isHelpFlag(args[0]) || (args[0] == "help" && len(args) == 1) {
			usage(stdout, cmds)
			if len(args) == 0 {
				return 2
			}
			return 0
		}
		switch {
		case args[0] == "help":
			// kiln help CMD is kiln CMD --help.
			name, args = args[1], []string{"--help"}
		case args[0] == "--version" || args[0] == "-v":
			name, args = "version", nil
		default:
			name, args = args[0], args[1:]
		}
	}
	cmd, ok := cmds[name]
	if !ok {
		cmd, ok = hiddenCommands()[name]
	}
	if !ok {
		unknownCommand(stderr, name, cmds)
		return 2
	}
	if !cmd.flags && len(args) > 0 && isHelpFlag(args[0]) {
		printCommandHelp(stdout, cmd, nil)
		return 0
	}
	err := cmd.run(a, args)
	var help *helpRequest
	if errors.As(err, &help) {
		printCommandHelp(stdout, cmd, help.fs)
		return 0
	}
	// a.stderr: the command may have put a Redactor in front of it.
	return exitCode(a.stderr, err)
}

// redact puts a buildpack.Redactor in front of the command's outputs, so
// that nothing it prints (the plan, the JSON report, its error) shows a
// secret of env or a password of a URL in it. It returns the flush.
func (a *app) redact(env buildpack.Env) func() {
	secrets := env.SecretValues()
	if len(secrets) == 0 {
		return func() {}
	}
	out, errOut := buildpack.NewRedactor(a.stdout, secrets), buildpack.NewRedactor(a.stderr, secrets)
	a.stdout, a.stderr = out, errOut
	return func() {
		_ = out.Flush()
		_ = errOut.Flush()
	}
}

// interrupted returns the cancellation of the build when a signal stopped
// it (whatever error the stopped step or download returned), else err.
func (a *app) interrupted(err error) error {
	if err == nil {
		return nil
	}
	if i, ok := buildpack.AsInterrupted(context.Cause(a.ctx)); ok {
		return i
	}
	return err
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: kiln COMMAND [options]")
	for _, n := range slices.Sorted(maps.Keys(cmds)) {
		fmt.Fprintf(w, "  kiln %s\n", cmds[n].usage)
	}
	fmt.Fprintln(w, "Run 'kiln help COMMAND' (or kiln COMMAND --help) for what a command does and its options.")
}

// exitCode prints err the way the platform prints failures and returns the
// process exit status: 0 on success, the failing program's status for a
// failed build step, 1 for user errors, 2 for usage errors, 1 otherwise.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var silent *silentExit
	if errors.As(err, &silent) {
		return silent.code
	}
	if intr, ok := buildpack.AsInterrupted(err); ok {
		printBlock(stderr, intr.Error())
		return intr.ExitCode()
	}
	var uerr *usageError
	if errors.As(err, &uerr) {
		printBlock(stderr, uerr.msg)
		return 2
	}
	if u, ok := buildpack.AsUserError(err); ok {
		printBlock(stderr, u.Msg)
		if u.Hint != "" {
			printBlock(stderr, u.Hint)
		}
		return 1
	}
	var ee *buildpack.ExitError
	if errors.As(err, &ee) {
		printBlock(stderr, err.Error())
		if ee.Code > 0 {
			return ee.Code
		}
		return 1
	}
	printBlock(stderr, err.Error())
	if buildpack.DiskFull(err) {
		printBlock(stderr, buildpack.DiskFullHint)
	}
	return 1
}
