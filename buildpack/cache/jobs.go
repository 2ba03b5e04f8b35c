package cache

import "sync"

// Jobs is the background work a build started on its caches (spares being
// linked, saves running while the build goes on). The build waits for all
// of it before it ends, so that nothing touches the cache once the build
// is over.
type Jobs struct{ wg sync.WaitGroup }

// Go runs f in the background and returns a channel closed when it is
// done. On a nil Jobs, f runs on its own (nothing waits for it but the
// channel).
func (j *Jobs) Go(f func()) <-chan struct{} {
	done := make(chan struct{})
	run := func() {
		defer close(done)
		f()
	}
	if j == nil {
		go run()
	} else {
		j.wg.Go(run)
	}
	return done
}

// Wait waits for every job started so far.
func (j *Jobs) Wait() { j.wg.Wait() }
