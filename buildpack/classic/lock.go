package classic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"syscall"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/lock"
)

// CacheLockFile is the lock file in CACHE_DIR that a build holds from
// before the leftover sweep to its end, so that two builds sharing a cache
// never sweep or take each other's work.
const CacheLockFile = ".kiln.lock"

// LockCache takes the lock of the build cache cacheDir (which must exist)
// for one build, telling out when it waits for another build; with noWait
// it fails at once instead. Release the lock when the build is over.
func LockCache(ctx context.Context, cacheDir string, noWait bool, out io.Writer) (*lock.Lock, error) {
	return Acquire(ctx, filepath.Join(cacheDir, CacheLockFile), "this cache ("+cacheDir+")", noWait, out)
}

// Acquire takes the lock at path, which guards what (named in messages),
// printing a line on out while it waits for another build, or failing with
// a user error naming the other build when noWait is set.
func Acquire(ctx context.Context, path, what string, noWait bool, out io.Writer) (*lock.Lock, error) {
	l, err := lock.Acquire(ctx, path, lock.Options{
		NoWait: noWait,
		Waiting: func(pid int) {
			if out != nil {
				fmt.Fprintf(out, "-----> Waiting for another build of %s%s to finish\n", what, pidNote(pid))
			}
		},
	})
	var busy *lock.BusyError
	if errors.As(err, &busy) {
		return nil, buildpack.Userf("another build%s is using %s", pidNote(busy.PID), what).
			WithHint("Wait for it to finish, or build without --no-wait to wait for it.")
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return nil, buildpack.Userf("kiln cannot lock %s: %s is not writable (%v)", what, filepath.Dir(path), errors.Unwrap(err)).
			WithHint("Builds write their cache and slug: give kiln a directory it can write (--cache DIR, --output DIR), or build with --no-cache.")
	}
	return l, err
}

func pidNote(pid int) string {
	if pid <= 0 {
		return ""
	}
	return fmt.Sprintf(" (pid %d)", pid)
}
