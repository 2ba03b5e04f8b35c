//go:build !linux

package buildpack

import (
	"syscall"
	"time"
)

func groupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func lockThread() func() { return func() {} }

// exitWatch has no portable way to see a child exit before it is reaped:
// the whole grace period applies.
type exitWatch struct{}

func watchExit(int) exitWatch { return exitWatch{} }

func (exitWatch) wait(d time.Duration, again <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-again:
	}
}

func (exitWatch) close() {}
