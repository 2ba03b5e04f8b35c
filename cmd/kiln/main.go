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
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
)

// version is set at link time by `make package`.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{ctx: ctx, stdout: os.Stdout, stderr: os.Stderr, env: buildpack.EnvFromOS(), discard: detachedDiscard}
	code := a.main(os.Args)
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
}

type command struct {
	usage string
	run   func(a *app, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"detect":   {"detect APP", cmdDetect},
		"plan":     {"plan [--json] [--stack S] [--env K=V]... [--env-dir DIR] [--buildpack nodejs|php] APP", cmdPlan},
		"compile":  {"compile [--export FILE] BUILD_DIR CACHE_DIR [ENV_DIR]", cmdCompile},
		"release":  {"release BUILD_DIR", cmdRelease},
		"build":    {"build [--output DIR | --tar FILE] [--cache DIR | --no-cache] [--json] [--stack S] [--env K=V]... [--env-dir DIR] [--buildpack nodejs|php] APP", cmdBuild},
		"run":      {"run [--env K=V]... SLUG [PROCESS] [-- COMMAND...]", cmdRun},
		"version":  {"version", cmdVersion},
		"php-boot": {"php-boot (the web process of PHP slugs)", cmdPHPBoot},
	}
}

// hiddenCommands are started by kiln itself and not listed in the usage.
func hiddenCommands() map[string]command {
	return map[string]command{discardCommand: {discardCommand + " DIR...", cmdDiscard}}
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
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			usage(stdout, cmds)
			if len(args) == 0 {
				return 2
			}
			return 0
		}
		name, args = args[0], args[1:]
	}
	cmd, ok := cmds[name]
	if !ok {
		cmd, ok = hiddenCommands()[name]
	}
	if !ok {
		fmt.Fprintf(stderr, " !     unknown command %q\n", name)
		usage(stderr, cmds)
		return 2
	}
	return exitCode(stderr, cmd.run(a, args))
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: kiln COMMAND [options]")
	for _, n := range slices.Sorted(maps.Keys(cmds)) {
		fmt.Fprintf(w, "  kiln %s\n", cmds[n].usage)
	}
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
	var uerr *usageError
	if errors.As(err, &uerr) {
		fmt.Fprintf(stderr, " !     %s\n", uerr.msg)
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
	return 1
}
