package cache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// WalkWorkers is how many goroutines a WalkParallel uses by default: the
// walks of a build (checking a saved tree of 20,000 files, measuring a
// slug) are a stat per file, and a few in flight cut their time by about
// half on the build machines.
const WalkWorkers = 4

// WalkParallel calls fn for every entry below root (not root itself),
// reading directories with workers goroutines, so fn must be safe for
// concurrent use; there is no order. fn returning fs.SkipDir for a
// directory skips what is under it; fs.SkipAll, or any other error, stops
// the walk, and WalkParallel returns that error (nil for fs.SkipAll).
func WalkParallel(root string, workers int, fn func(path string, d fs.DirEntry) error) error {
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		queue   = []string{root}
		pending = 1 // directories queued or being read
		stop    error
	)
	walk := func() {
		mu.Lock()
		defer mu.Unlock()
		for {
			for len(queue) == 0 && pending > 0 && stop == nil {
				cond.Wait()
			}
			if stop != nil || pending == 0 {
				return
			}
			dir := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			mu.Unlock()
			subdirs, err := readLevel(dir, fn)
			mu.Lock()
			if err != nil && stop == nil {
				stop = err
			}
			queue = append(queue, subdirs...)
			pending += len(subdirs) - 1
			cond.Broadcast()
		}
	}
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(walk)
	}
	wg.Wait()
	if errors.Is(stop, fs.SkipAll) {
		return nil
	}
	return stop
}

// readLevel calls fn for the entries of dir and returns its subdirectories
// to walk.
func readLevel(dir string, fn func(path string, d fs.DirEntry) error) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var subdirs []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch err := fn(p, e); {
		case errors.Is(err, fs.SkipDir) && e.IsDir():
		case err != nil:
			return nil, err
		case e.IsDir():
			subdirs = append(subdirs, p)
		}
	}
	return subdirs, nil
}
