package diagnose

import "sync"

// Tail is an io.Writer that keeps the last Max bytes written to it: the
// part of a command's output the rules read. It is safe for concurrent
// writes (a command's stdout and stderr).
type Tail struct {
	// Max is how many bytes are kept; 0 means 64 KiB.
	Max int

	mu  sync.Mutex
	buf []byte
}

// Write implements io.Writer; it never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	max := t.Max
	if max <= 0 {
		max = 64 << 10
	}
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns what is kept.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
