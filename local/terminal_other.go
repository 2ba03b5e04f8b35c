//go:build !linux

package local

// foregroundTerminal is not detected here: a command runs in the
// background group, like a process type.
func foregroundTerminal() bool { return false }

func takeTerminalBack() {}
