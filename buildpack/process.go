package buildpack

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a started program that runs alongside its starter, such as the
// servers a boot command supervises.
type Process interface {
	// Pid is the process id.
	Pid() int
	// Signal sends sig to the process.
	Signal(sig os.Signal) error
	// Wait blocks until the process exits and returns its exit error.
	Wait() error
}

// Starter starts long-running programs without waiting for them. Runner is
// for build steps that run to completion; Starter is for supervisors.
type Starter interface {
	Start(c Cmd) (Process, error)
}

// outputGrace is how long Process.Wait keeps reading the output of a
// program that has exited, while programs it started hold it open.
const outputGrace = time.Second

// ExecStarter starts real processes, each in its own process group.
type ExecStarter struct {
	// Guard, when set, kills the process group of each started program
	// that is still running when the starter dies without stopping it
	// (kill -9): nginx's and PHP-FPM's workers would outlive it otherwise.
	Guard *GroupGuard
}

// Start implements Starter.
func (s ExecStarter) Start(c Cmd) (Process, error) {
	name := c.Name
	if p, err := LookPath(c.Name, c.Env.Get("PATH")); err == nil {
		name = p
	}
	cmd := exec.Command(name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env.List()
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A Process ends when the program exits, not when every program it
	// started has closed the output it inherited (a PHP-FPM worker whose
	// master was killed): what they still write is read for outputGrace,
	// then cut off.
	cmd.WaitDelay = outputGrace
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", c.Name, err)
	}
	s.Guard.Add(cmd.Process.Pid)
	return execProcess{cmd: cmd, guard: s.Guard}, nil
}

type execProcess struct {
	cmd   *exec.Cmd
	guard *GroupGuard
}

func (p execProcess) Pid() int                   { return p.cmd.Process.Pid }
func (p execProcess) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }
func (p execProcess) Wait() error {
	err := p.cmd.Wait()
	p.guard.Remove(p.cmd.Process.Pid)
	return err
}
