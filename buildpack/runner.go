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

// ExecRunner runs programs for real, each in its own process group so that a
// cancelled build stops the whole tree.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, c Cmd) error {
	name := c.Name
	if p, err := LookPath(c.Name, c.Env.Get("PATH")); err == nil {
		name = p
	}
	cmd := exec.CommandContext(ctx, name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env.List()
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: ee.ExitCode(), Err: fmt.Errorf("%s: %w", c.Name, err)}
	}
	return fmt.Errorf("running %s: %w", c.Name, err)
}
