package buildpack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Cmd is one program invocation.
type Cmd struct {
	// Name is the program, looked up in the PATH of Env when not absolute.
	Name string
	// Args are the arguments, without the program name.
	Args []string
	// Dir is the working directory (absolute).
	Dir string
	// Env is the complete environment of the program.
	Env Env
	// Stdout and Stderr receive the program's output; nil discards it.
	Stdout, Stderr io.Writer
}

// Runner runs programs. Buildpacks never call os/exec themselves: tests swap
// in a recording runner and assert the exact commands.
type Runner interface {
	Run(ctx context.Context, c Cmd) error
}

// DefaultGrace is how long a cancelled program has to exit after the signal
// before its process group is killed.
const DefaultGrace = 10 * time.Second

// ExecRunner runs programs for real, each in a process group of its own
// that kiln owns. When ctx is cancelled, the group gets CancelSignal(ctx)
// once; as soon as the program exits, or after Grace (or at a second
// signal: Interrupted.Again), the whole group gets SIGKILL, so that nothing
// it started outlives the build. On Linux the
// program also gets SIGKILL if kiln dies (Pdeathsig), and Guard kills its
// group then.
type ExecRunner struct {
	// Grace is how long a cancelled program has to exit; 0 means
	// DefaultGrace.
	Grace time.Duration
	// Guard, when set, kills the groups of the programs still running if
	// kiln dies without stopping them (kill -9).
	Guard *GroupGuard
}

// Run implements Runner.
func (r ExecRunner) Run(ctx context.Context, c Cmd) error {
	if ctx.Err() != nil {
		return Cancelled(ctx, c.Name)
	}
	name := c.Name
	if p, err := LookPath(c.Name, c.Env.Get("PATH")); err == nil {
		name = p
	}
	cmd := exec.Command(name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env.List()
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stderr
	cmd.SysProcAttr = groupAttr()
	// A program that exits and leaves a process holding its output open
	// (a daemon it started) does not keep the build waiting.
	cmd.WaitDelay = 5 * time.Second
	// The kernel's parent-death signal goes when the thread that started
	// the program ends, not the process: this goroutine keeps its thread,
	// which Go then never ends, until the program has exited.
	unlock := lockThread()
	defer unlock()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", c.Name, err)
	}
	pgid := cmd.Process.Pid
	r.Guard.Add(pgid)
	defer r.Guard.Remove(pgid)
	watch := watchExit(pgid)
	defer watch.close()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-ctx.Done():
		r.stop(ctx, pgid, watch)
		<-waited
		return Cancelled(ctx, c.Name)
	}
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: ee.ExitCode(), Err: fmt.Errorf("%s: %w", c.Name, err)}
	}
	return fmt.Errorf("running %s: %w", c.Name, err)
}

// stop sends the cancellation signal to the group once, waits for the
// program to exit, the grace period to end or a second signal, then kills
// the group.
func (r ExecRunner) stop(ctx context.Context, pgid int, watch exitWatch) {
	_ = syscall.Kill(-pgid, CancelSignal(ctx))
	grace := r.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	var again <-chan struct{}
	if i, ok := AsInterrupted(context.Cause(ctx)); ok {
		again = i.Again
	}
	watch.wait(grace, again)
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}
