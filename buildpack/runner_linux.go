package buildpack

import (
	"errors"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// groupAttr puts a program in a process group of its own and has the
// kernel kill it when kiln dies.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// lockThread keeps the calling goroutine on its OS thread until the
// returned function is called: the kernel sends the parent-death signal
// when the thread that started the program ends, and Go ends a thread only
// when a goroutine locked to it exits, so the program's thread lives as
// long as the program.
func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// exitWatch sees a child exit before it is reaped: a pidfd, readable once
// the process has ended (-1 when the kernel has no pidfd).
type exitWatch struct{ fd int }

// watchExit opens the watch of pid, a started child not yet reaped.
func watchExit(pid int) exitWatch {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return exitWatch{fd: -1}
	}
	return exitWatch{fd: fd}
}

// wait returns when the process has exited, d has passed or again is
// closed (nil: never).
func (w exitWatch) wait(d time.Duration, again <-chan struct{}) {
	deadline := time.Now().Add(d)
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		select {
		case <-again:
			return
		default:
		}
		// Short polls, to see again closed.
		slice := min(left, 100*time.Millisecond)
		if w.fd < 0 {
			time.Sleep(slice)
			continue
		}
		n, err := unix.Poll(fds, int(slice.Milliseconds())+1)
		if n > 0 || (err != nil && !errors.Is(err, unix.EINTR)) {
			return
		}
	}
}

func (w exitWatch) close() {
	if w.fd >= 0 {
		_ = unix.Close(w.fd)
	}
}
