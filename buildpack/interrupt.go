package buildpack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Interrupted is the cause of a build's cancellation by a signal (Ctrl-C,
// a platform's SIGTERM): the context of the build is cancelled with it, the
// running programs get the signal, and kiln exits 128 + the signal's number.
type Interrupted struct {
	// Signal is the signal kiln received.
	Signal syscall.Signal
	// Again is closed when a second signal arrives: the running programs
	// are then killed at once instead of at the end of their grace period.
	Again <-chan struct{}
}

// Error implements error.
func (e *Interrupted) Error() string { return "build cancelled (" + signalName(e.Signal) + ")" }

// ExitCode is the shell's status of a process killed by the signal.
func (e *Interrupted) ExitCode() int { return 128 + int(e.Signal) }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// AsInterrupted reports whether err is (or wraps) an Interrupted.
func AsInterrupted(err error) (*Interrupted, bool) {
	var i *Interrupted
	if errors.As(err, &i) {
		return i, true
	}
	return nil, false
}

// CancelSignal is the signal the programs of a cancelled build get: the one
// kiln received, or SIGTERM when the context was cancelled otherwise.
func CancelSignal(ctx context.Context) syscall.Signal {
	if i, ok := AsInterrupted(context.Cause(ctx)); ok {
		return i.Signal
	}
	return syscall.SIGTERM
}

// Cancelled is the error of work stopped because ctx was cancelled: its
// cause (an *Interrupted for a signal), wrapped with what was stopped.
func Cancelled(ctx context.Context, what string) error {
	return fmt.Errorf("%s: %w", what, context.Cause(ctx))
}

// NotifyInterrupt returns a context cancelled, with an *Interrupted cause,
// by the first SIGINT or SIGTERM the process receives; a second one closes
// the cause's Again, later ones are caught and ignored. stop releases the
// signals.
func NotifyInterrupt(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			sig, _ := s.(syscall.Signal)
			again := make(chan struct{})
			cancel(&Interrupted{Signal: sig, Again: again})
			select {
			case <-sigs:
				close(again)
			case <-done:
			}
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(sigs)
		cancel(context.Canceled)
	}
}
