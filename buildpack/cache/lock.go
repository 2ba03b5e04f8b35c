package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack/lock"
)

// Lock takes the lock (buildpack/lock) of the file at path, creating it and
// its directory if needed: shared when exclusive is false, so that many
// holders read together while one exclusive holder waits for them. It
// waits until the lock is granted and returns the function that releases
// it. The kernel releases the lock of a killed process, so a lock never
// outlives its build.
func Lock(path string, exclusive bool) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the lock %s: %w", path, err)
	}
	l, err := lock.Acquire(context.Background(), path, lock.Options{Shared: !exclusive})
	if err != nil {
		return nil, err
	}
	return func() { _ = l.Release() }, nil
}
