package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// trashPrefix names the directories a previous slug is moved to when a new
// one replaces it. They sit next to the output (same filesystem, so moving
// is one rename) and are hidden.
const trashPrefix = ".kiln-trash-"

// Discarder removes a directory that nothing needs any more. Removing a
// slug of 10,000 files costs 200-300 ms on a slow disk, which the user
// would otherwise wait for at the end of every rebuild; the CLI passes one
// that hands the removal to a detached process.
type Discarder func(dir string) error

// removeNow is the default Discarder: remove before returning.
func removeNow(dir string) error { return os.RemoveAll(dir) }

// moveToTrash renames dir to a fresh hidden name next to it and returns
// that name.
func moveToTrash(dir string) (string, error) {
	t, err := os.MkdirTemp(filepath.Dir(dir), trashPrefix)
	if err != nil {
		return "", fmt.Errorf("moving %s aside: %w", dir, err)
	}
	if err := os.Remove(t); err != nil {
		return "", err
	}
	if err := os.Rename(dir, t); err != nil {
		return "", fmt.Errorf("moving %s aside: %w", dir, err)
	}
	return t, nil
}

// sweepTrash removes, in the background, what earlier builds left in the
// trash next to path (a detached removal that was interrupted, a crash).
// The returned function waits for it to finish.
func sweepTrash(path string) func() {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return func() {}
	}
	var wg sync.WaitGroup
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), trashPrefix) {
			continue
		}
		wg.Add(1)
		go func(dir string) {
			defer wg.Done()
			_ = os.RemoveAll(dir)
		}(filepath.Join(filepath.Dir(path), e.Name()))
	}
	return wg.Wait
}

// RemoveTrash removes dir, which must be a trash directory made by a
// build: anything else is refused, so that the hidden command that calls
// it cannot be turned into a general `rm -rf`.
func RemoveTrash(dir string) error {
	if !strings.HasPrefix(filepath.Base(dir), trashPrefix) {
		return fmt.Errorf("%s is not a kiln trash directory", dir)
	}
	return os.RemoveAll(dir)
}

// discardWork hands the work directory of a finished build to discard when
// a buildpack left something in its discard directory (thousands of pruned
// files, whose removal the user need not wait for), and reports whether it
// did; an empty one is left to the caller's quick removal.
func discardWork(work, discardDir string, discard Discarder) bool {
	if entries, err := os.ReadDir(discardDir); err != nil || len(entries) == 0 {
		return false
	}
	return discardTree(work, discard)
}

// discardTree moves dir to the trash and hands it to discard (removing it
// at once when that fails), and reports whether it moved it.
func discardTree(dir string, discard Discarder) bool {
	if discard == nil {
		discard = removeNow
	}
	t, err := moveToTrash(dir)
	if err != nil {
		return false
	}
	if err := discard(t); err != nil {
		_ = removeNow(t) // the build is done; a leftover is swept by the next one
	}
	return true
}
