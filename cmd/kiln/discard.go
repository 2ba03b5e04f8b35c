package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
)

// discardCommand is the hidden command a build starts, detached, to remove
// the slug it replaced: the build returns as soon as the new slug is in
// place instead of waiting for thousands of unlinks.
const discardCommand = "_discard"

// cmdDiscard removes the trash directories named in args.
func cmdDiscard(_ *app, args []string) error {
	for _, dir := range args {
		if err := local.RemoveTrash(dir); err != nil {
			return err
		}
	}
	return nil
}

// detachedDiscard starts `kiln _discard DIR` in its own session, with no
// terminal and no output, and does not wait for it. If kiln cannot start
// itself, the caller removes the directory in the foreground.
func detachedDiscard(dir string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the kiln executable: %w", err)
	}
	cmd := exec.Command(self, discardCommand, dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s %s: %w", self, discardCommand, err)
	}
	return cmd.Process.Release()
}

// guardName is the hidden command of the helper that kills a build's
// process groups when kiln dies (buildpack.GroupGuard).
const guardName = "_guard"

// cmdGuard is that helper.
func cmdGuard(*app, []string) error {
	buildpack.ServeGuard(os.Stdin)
	return nil
}

// guardCommand starts the guard helper from the running kiln binary.
func guardCommand() *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return exec.Command(self, guardName)
}
