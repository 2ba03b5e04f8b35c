package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// RunOptions configure `kiln run`.
type RunOptions struct {
	// Slug is a slug directory or a .tar.gz slug.
	Slug string
	// Process is the process type to start (default "web"); ignored when
	// Command is set.
	Process string
	// Command, when set, runs instead of a process type.
	Command []string
	// Env is the base environment (usually the host's); config vars from the
	// release and Overrides are applied on top.
	Env buildpack.Env
	// Overrides are --env values; they win over everything else.
	Overrides buildpack.Env
	// Port, when not 0, is the PORT of the process (--port), over any
	// other.
	Port int
	// Stdout and Stderr receive the process output.
	Stdout, Stderr io.Writer
}

// profileLoader sources the slug's .profile.d scripts, then replaces itself
// with the command given as "$@" or as one shell string in KILN_COMMAND.
const profileLoader = `for f in "$HOME"/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done
if [ -n "${KILN_COMMAND:-}" ]; then c=$KILN_COMMAND; unset KILN_COMMAND; exec bash -c "$c"; fi
exec "$@"`

// Run starts a process from a slug the way the platform does: HOME is the
// slug, .profile.d/*.sh are sourced, config vars and overrides applied, PORT
// defaults to 5000. A SIGINT or SIGTERM reaches the process once (a second
// one kills it); the process's exit status is returned as an
// *buildpack.ExitError when non-zero.
func Run(ctx context.Context, opts RunOptions) error {
	slug, cleanup, err := openSlug(opts.Slug)
	if err != nil {
		return err
	}
	defer cleanup()
	rel, err := ReadRelease(slug)
	if err != nil {
		return buildpack.Userf("%v", err).WithHint("Build the app first with `kiln build APP`, then pass the slug directory (default APP/.kiln/slug).")
	}
	env := opts.Env.Merge(buildpack.Env(rel.ConfigVars)).Merge(opts.Overrides)
	env["HOME"] = slug
	if opts.Port != 0 {
		env["PORT"] = fmt.Sprint(opts.Port)
	}
	if env.Get("PORT") == "" {
		env["PORT"] = "5000"
	}
	args := []string{"-c", profileLoader, "kiln-run"}
	if len(opts.Command) > 0 {
		args = append(args, opts.Command...)
	} else {
		proc := opts.Process
		if proc == "" {
			proc = "web"
		}
		if len(rel.Processes) == 0 {
			return buildpack.Userf("the slug %s has no process types", slug).WithHint("Declare them in a Procfile (web: COMMAND), or, for Node.js, a start script in package.json; then build again. Or run a command: kiln run SLUG -- COMMAND...")
		}
		line, ok := rel.Processes[proc]
		if !ok {
			return buildpack.Userf("the slug has no %q process", proc).WithHint("Process types in this slug: " + strings.Join(sortedNames(rel.Processes), ", ") + ". Or run a command: kiln run SLUG -- COMMAND...")
		}
		env["KILN_COMMAND"] = line
		if err := checkPort(env.Get("PORT"), proc == "web"); err != nil {
			return err
		}
		where := ""
		if proc == "web" {
			where = " on http://localhost:" + env.Get("PORT")
		}
		// On stderr: stdout is the process's own.
		fmt.Fprintf(opts.Stderr, "-----> %s: %s%s\n", proc, line, where)
	}
	return runForwarding(ctx, slug, env, args, opts)
}

// checkPort fails on a PORT that is not a port number and, for the web
// process, on one another program already answers on: the process would
// fail on its own with a message of its own, or a request would reach the
// other program.
func checkPort(port string, web bool) error {
	n, err := strconv.Atoi(strings.TrimSpace(port))
	if err != nil || n < 1 || n > 65535 {
		return buildpack.Userf("PORT=%q is not a port number (1 to 65535)", port).
			WithHint("Unset PORT (kiln run then uses 5000) or pass --port N.")
	}
	if !web {
		return nil
	}
	// Connect rather than bind, so as never to hold the port.
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(n), time.Second)
	if err != nil {
		return nil
	}
	c.Close()
	return buildpack.Userf("port %d is already in use by another program", n).
		WithHint("Stop that program, or run on another port: kiln run --port N ….")
}

// runForwarding runs the process in a process group of its own, so that a
// terminal's Ctrl-C reaches kiln only, and kiln passes each signal on
// exactly once: the first SIGINT or SIGTERM goes to the process's group as
// it came, a second one kills the group (SIGKILL). A command (not a process
// type) started from a terminal gets the terminal instead, as a shell gives
// it to the programs it runs: it can read it (a console), and a Ctrl-C
// reaches it directly. The process's exit status is returned.
func runForwarding(ctx context.Context, slug string, env buildpack.Env, args []string, opts RunOptions) error {
	bash, err := buildpack.LookPath("bash", env.Get("PATH"))
	if err != nil {
		bash = "/bin/bash"
	}
	cmd := exec.Command(bash, args...)
	cmd.Dir = slug
	cmd.Env = env.List()
	cmd.Stdin = os.Stdin
	cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if len(opts.Command) > 0 && foregroundTerminal() {
		cmd.SysProcAttr.Foreground, cmd.SysProcAttr.Ctty = true, 0
		defer takeTerminalBack()
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting process: %w", err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	forwarded := false
	pass := func(sig syscall.Signal) {
		if forwarded {
			sig = syscall.SIGKILL
		}
		forwarded = true
		_ = syscall.Kill(-pgid, sig)
	}
	for {
		select {
		case s := <-sigs:
			sig, _ := s.(syscall.Signal)
			pass(sig)
		case <-ctx.Done():
			// A signal to kiln cancels ctx too: sigs passes that one on.
			if _, bySignal := buildpack.AsInterrupted(context.Cause(ctx)); !bySignal {
				pass(syscall.SIGTERM)
			}
			ctx = context.Background()
		case err := <-done:
			return exitStatus(err)
		}
	}
}

func exitStatus(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &buildpack.ExitError{Step: "run", Code: code, Err: err}
	}
	return fmt.Errorf("waiting for process: %w", err)
}

// openSlug returns a slug directory: the given one, or a temporary extraction
// of a .tar.gz slug.
func openSlug(path string) (string, func(), error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", nil, buildpack.Userf("slug %s not found", path).WithHint("Build it first with `kiln build APP` (the slug goes to APP/.kiln/slug by default).")
	}
	if fi.IsDir() {
		// An app directory stands for the slug kiln build made of it.
		if _, err := os.Stat(filepath.Join(abs, ReleaseFile)); err != nil {
			if built := filepath.Join(abs, ".kiln", "slug"); fileExists(filepath.Join(built, ReleaseFile)) {
				return built, func() {}, nil
			}
		}
		return abs, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "kiln-slug-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	if err := fetch.ExtractTarGz(abs, dir, 0); err != nil {
		cleanup()
		return "", nil, buildpack.Userf("cannot unpack slug %s: %v", path, err)
	}
	return dir, cleanup, nil
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
