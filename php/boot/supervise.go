package boot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
)

// exit is a server that ended.
type exit struct {
	name string
	err  error
}

// server is a started nginx or PHP-FPM.
type server struct {
	name string
	proc buildpack.Process
	done chan struct{}
}

// start launches c and reports its end on exits.
func start(starter buildpack.Starter, name string, c buildpack.Cmd, exits chan<- exit) (*server, error) {
	p, err := starter.Start(c)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	s := &server{name: name, proc: p, done: make(chan struct{})}
	go func() {
		err := p.Wait()
		// What the server started and left behind (PHP-FPM workers of a
		// master that was killed) goes with it: its process group.
		if pid := p.Pid(); pid > 1 {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		close(s.done)
		if err == nil {
			err = errors.New("exit status 0")
		}
		exits <- exit{name: name, err: err}
	}()
	return s, nil
}

// stop asks the server to finish gracefully (SIGQUIT: PHP-FPM and nginx
// both finish the requests in flight), then kills its process group.
func (s *server) stop(timeout time.Duration) {
	if s == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.proc.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(timeout):
		if pid := s.proc.Pid(); pid > 1 {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		_ = s.proc.Signal(syscall.SIGKILL)
		<-s.done
	}
}

// supervise starts PHP-FPM, waits for its socket, starts nginx, and waits
// for ctx to end or a server to die.
func (rt *bootRuntime) supervise(ctx context.Context) error {
	exits := make(chan exit, 2)
	fpm, err := start(rt.opts.Starter, "php-fpm", rt.fpm, exits)
	if err != nil {
		return err
	}
	var nginx *server
	defer func() {
		nginx.stop(rt.opts.StopTimeout)
		fpm.stop(rt.opts.StopTimeout)
	}()
	select {
	case <-ctx.Done():
		return nil
	case e := <-exits:
		return rt.serverError(e)
	case err := <-rt.waitSocket(ctx, fpm):
		if err != nil {
			return err
		}
	}
	if nginx, err = start(rt.opts.Starter, "nginx", rt.nginx, exits); err != nil {
		return err
	}
	rt.announce(ctx)
	select {
	case <-ctx.Done():
		fmt.Fprintln(rt.opts.Stderr, "Stopping nginx and PHP-FPM gracefully")
		return nil
	case e := <-exits:
		err := rt.serverError(e)
		fmt.Fprintln(rt.opts.Stderr, err.Error())
		return err
	}
}

// serverError says which server died and, when its configuration test
// refuses the configuration, why.
func (rt *bootRuntime) serverError(e exit) *ServerError {
	return &ServerError{Process: e.name, Err: e.err, Config: rt.diagnose(e.name)}
}

// waitSocket reports when PHP-FPM accepts connections on its socket.
func (rt *bootRuntime) waitSocket(ctx context.Context, fpm *server) <-chan error {
	ch := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(rt.opts.StartTimeout)
		for time.Now().Before(deadline) {
			if c, err := net.DialTimeout("unix", rt.socket, time.Second); err == nil {
				c.Close()
				ch <- nil
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-fpm.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		//lint:ignore ST1005 the platform's "Boot failed:" line, printed as it is
		ch <- fmt.Errorf("Boot failed: PHP-FPM did not open %s within %s", rt.socket, rt.opts.StartTimeout)
	}()
	return ch
}

// announce prints the ready line once nginx accepts connections.
func (rt *bootRuntime) announce(ctx context.Context) {
	addr := fmt.Sprintf("127.0.0.1:%d", rt.set.port)
	go func() {
		for i := 0; i < 200; i++ {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				fmt.Fprintf(rt.opts.Stderr, "Application ready for connections on port %d\n", rt.set.port)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
}
