package buildpack

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Output prefixes, as users of the reference platform read them.
const (
	headerPrefix = "-----> "
	indent       = "       "
	warnPrefix   = " !     "
)

// Logger prints build output in the platform's conventions: step headers,
// indented details and " !     " warnings. It redacts the secrets it knows.
type Logger struct {
	mu      sync.Mutex
	out     io.Writer
	secrets []string
	// tty is set when out is a terminal: downloads show their progress
	// (Progress); progress is set while a progress line is shown.
	tty, progress bool
}

// NewLogger returns a Logger writing to out and masking secrets.
func NewLogger(out io.Writer, secrets []string) *Logger {
	return &Logger{out: out, secrets: secrets, tty: isTerminal(out)}
}

// Discard returns a Logger that prints nothing.
func Discard() *Logger { return NewLogger(io.Discard, nil) }

func (l *Logger) write(prefix, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, s := range l.secrets {
		msg = maskAll(msg, s)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clearProgress()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(l.out, "%s%s\n", prefix, line)
	}
}

// maskAll replaces every occurrence of the secret s in msg.
func maskAll(msg, s string) string { return strings.ReplaceAll(msg, s, "[redacted]") }

// Header prints a step header: "-----> text".
func (l *Logger) Header(format string, args ...any) { l.write(headerPrefix, format, args...) }

// Info prints an indented detail line.
func (l *Logger) Info(format string, args ...any) { l.write(indent, format, args...) }

// Warn prints a warning block: " !     text".
func (l *Logger) Warn(format string, args ...any) { l.write(warnPrefix, format, args...) }

// Blank prints an empty line.
func (l *Logger) Blank() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clearProgress()
	fmt.Fprintln(l.out)
}

// Writer returns a writer for subprocess output: each line indented by seven
// spaces and secrets redacted. Call Flush on the result when the process ends.
func (l *Logger) Writer() *Redactor {
	return NewRedactor(&indentWriter{l: l}, l.secrets)
}

type indentWriter struct {
	l *Logger
}

// Write receives whole lines from the Redactor in front of it.
func (w *indentWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	w.l.clearProgress()
	s := strings.TrimRight(string(p), "\n")
	for _, line := range strings.Split(s, "\n") {
		if _, err := fmt.Fprintf(w.l.out, "%s%s\n", indent, line); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
