package local

import (
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// foregroundTerminal reports whether stdin is a terminal whose foreground
// process group is kiln's: kiln was started from an interactive shell.
func foregroundTerminal() bool {
	pgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	return err == nil && pgrp == syscall.Getpgrp()
}

// takeTerminalBack makes kiln's process group the terminal's foreground
// group again, after a process it started had it.
func takeTerminalBack() {
	// A background group that sets the foreground group gets SIGTTOU.
	signal.Ignore(syscall.SIGTTOU)
	_ = unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, syscall.Getpgrp())
}
