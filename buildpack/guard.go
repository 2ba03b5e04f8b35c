package buildpack

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
)

// GroupGuard kills the process groups of a build's programs when kiln dies
// without stopping them (kill -9, a crash): Pdeathsig reaches only the
// programs kiln started, not what they started in turn. A helper process,
// started on the first Add, reads the groups kiln registers on a pipe;
// when the pipe closes (kiln exited, however), it sends SIGKILL to each
// group still registered, then exits (ServeGuard). The zero value is not
// usable: see NewGroupGuard. A nil *GroupGuard guards nothing.
type GroupGuard struct {
	command func() *exec.Cmd
	mu      sync.Mutex
	w       *os.File
	helper  *exec.Cmd
	failed  bool
}

// NewGroupGuard returns a guard whose helper is started by command (for
// kiln, its own binary with the hidden command that calls ServeGuard).
func NewGroupGuard(command func() *exec.Cmd) *GroupGuard {
	return &GroupGuard{command: command}
}

// Add registers the process group pgid.
func (g *GroupGuard) Add(pgid int) { g.send('+', pgid) }

// Remove unregisters pgid: its program has ended and its group was dealt
// with.
func (g *GroupGuard) Remove(pgid int) { g.send('-', pgid) }

func (g *GroupGuard) send(op byte, pgid int) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil && !g.failed {
		g.failed = g.start() != nil
	}
	if g.w != nil {
		_, _ = fmt.Fprintf(g.w, "%c%d\n", op, pgid)
	}
}

// start starts the helper, in a process group of its own so that a
// terminal's Ctrl-C does not reach it.
func (g *GroupGuard) start() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := g.command()
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return err
	}
	g.w, g.helper = w, cmd
	return nil
}

// Close ends the guard when kiln exits normally: the helper kills the
// groups still registered (none when every program was waited for) and
// exits.
func (g *GroupGuard) Close() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		return
	}
	g.w.Close()
	_ = g.helper.Wait()
	g.w, g.helper = nil, nil
}

// ServeGuard is the helper's side of a GroupGuard: it reads "+PGID" and
// "-PGID" lines from r until r ends, then kills the groups still
// registered. It ignores SIGINT, SIGTERM and SIGHUP: the signals that stop
// kiln must not stop its guard first.
func ServeGuard(r io.Reader) {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	groups := map[int]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		pgid, err := strconv.Atoi(line[1:])
		if err != nil || pgid <= 1 {
			continue
		}
		switch line[0] {
		case '+':
			groups[pgid] = true
		case '-':
			delete(groups, pgid)
		}
	}
	for pgid := range groups {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
