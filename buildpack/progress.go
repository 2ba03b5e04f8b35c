package buildpack

import (
	"fmt"
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether out is a terminal.
func isTerminal(out any) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Progress returns, when the logger writes to a terminal, a function that
// shows the progress of a download on one line that it rewrites (bytes,
// total and rate), and erases once the download ends; else nil, so that
// logs and --json get nothing extra. Its signature is fetch.Progress's.
func (l *Logger) Progress() func(url string, done, total int64, final bool) {
	if l == nil || !l.tty {
		return nil
	}
	var start time.Time
	return func(url string, done, total int64, final bool) {
		if start.IsZero() {
			start = time.Now()
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if final {
			l.clearProgress()
			return
		}
		line := fmt.Sprintf("%sDownloading %s: %s", indent, path.Base(url), megabytes(done))
		if total > 0 {
			line += " of " + megabytes(total)
		}
		if s := time.Since(start).Seconds(); s > 0 {
			line += fmt.Sprintf(", %s/s", megabytes(int64(float64(done)/s)))
		}
		for _, s := range l.secrets {
			line = maskAll(line, s)
		}
		fmt.Fprintf(l.out, "\r%s\033[K", line)
		l.progress = true
	}
}

// clearProgress erases a progress line, if one is shown; l.mu is held.
func (l *Logger) clearProgress() {
	if l.progress {
		fmt.Fprint(l.out, "\r\033[K")
		l.progress = false
	}
}

// megabytes renders n bytes in MB (10^6 bytes).
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
