// Package lock holds the advisory file locks that keep two builds from
// working on one build cache or one slug output at the same time: an
// exclusive flock(2) on a small file that records the holder's process id.
//
// The kernel releases a lock when its holder exits, however it exits, so a
// killed build never leaves a stale lock behind. Lock files are never
// removed: removing one while a build holds it would let the next build
// lock a new file of the same name at the same time.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pollInterval is how often a waiting build tries the lock again. Polling
// (rather than a blocking flock) lets the wait end when ctx is cancelled.
const pollInterval = 100 * time.Millisecond

// Lock is a held lock; Release gives it up.
type Lock struct {
	f *os.File
}

// Options say what Acquire does when another process holds the lock.
type Options struct {
	// NoWait fails at once with a *BusyError instead of waiting.
	NoWait bool
	// Shared takes a shared lock, which many holders may hold at once
	// while an exclusive one waits for them all (readers of a store that
	// one writer saves); the holder's pid is then not recorded.
	Shared bool
	// Waiting, when set, is called once before waiting, with the process
	// id of the holder (0 when unknown).
	Waiting func(pid int)
}

// BusyError is the error of Acquire with NoWait when another process holds
// the lock.
type BusyError struct {
	// Path is the lock file.
	Path string
	// PID is the holder's process id, 0 when unknown.
	PID int
}

func (e *BusyError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is held by process %d", e.Path, e.PID)
	}
	return e.Path + " is held by another process"
}

// Acquire takes the exclusive lock on the file at path (created when
// missing; its directory must exist), waiting for the holder to release it
// unless opts.NoWait is set, or until ctx is done. It then records the
// calling process's id in the file for the next waiter's message.
//
// Locks are per open file: a process that acquires the same path twice
// waits for itself. Take each lock once, and several locks always in the
// same order (kiln build: the output's, then the cache's).
func Acquire(ctx context.Context, path string, opts Options) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	waited := false
	how := syscall.LOCK_EX
	if opts.Shared {
		how = syscall.LOCK_SH
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if opts.NoWait {
			f.Close()
			return nil, &BusyError{Path: path, PID: Holder(path)}
		}
		if !waited && opts.Waiting != nil {
			opts.Waiting(Holder(path))
		}
		waited = true
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
	// The holder's id is a courtesy for the messages of waiting builds;
	// failing to write it does not make the lock less held.
	if opts.Shared {
		return &Lock{f: f}, nil
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Holder returns the process id recorded in the lock file at path: the
// last process that acquired it (0 when none is recorded).
func Holder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Release gives the lock up. It is safe to call on a nil Lock and more than
// once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	// Closing the only descriptor releases the flock.
	err := l.f.Close()
	l.f = nil
	return err
}
