package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes an advisory lock (flock) on the file at path, creating it and
// its directory if needed: shared when exclusive is false, so that many
// holders read together while one exclusive holder waits for them. It
// waits until the lock is granted and returns the function that releases
// it. The kernel releases the lock of a killed process, so a lock can
// never outlive its build.
func Lock(path string, exclusive bool) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the lock %s: %w", path, err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
