package fetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultIdleTimeout is how long a download may go without receiving a
// byte before it is abandoned (and the build moves on to the next source).
const DefaultIdleTimeout = 30 * time.Second

// IdleTimeoutEnv names the environment variable that overrides
// DefaultIdleTimeout: a Go duration ("500ms", "2m") or a number of seconds.
const IdleTimeoutEnv = "KILN_DOWNLOAD_IDLE_TIMEOUT"

// ParseIdleTimeout reads the value of IdleTimeoutEnv; "" gives the default.
func ParseIdleTimeout(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultIdleTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		var secs float64
		if secs, err = strconv.ParseFloat(v, 64); err == nil {
			d = time.Duration(secs * float64(time.Second))
		}
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration (e.g. 30s, or a number of seconds)", IdleTimeoutEnv, v)
	}
	return d, nil
}

// StalledError is a download that received nothing for its idle timeout.
type StalledError struct {
	// URL is the download, its credentials masked.
	URL  string
	Idle time.Duration
}

// Error implements error.
func (e *StalledError) Error() string {
	return fmt.Sprintf("the download stalled: no data for %s", e.Idle)
}

// idleTransport ends a request whose answer stops arriving: once no byte of
// the body has come for idle, the request is cancelled and the body's Read
// returns a *StalledError.
type idleTransport struct {
	base http.RoundTripper
	idle time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t idleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel(nil)
		return nil, err
	}
	stalled := &StalledError{URL: req.URL.Redacted(), Idle: t.idle}
	b := &idleBody{rc: resp.Body, ctx: ctx, cancel: cancel, idle: t.idle}
	b.timer = time.AfterFunc(t.idle, func() { cancel(stalled) })
	resp.Body = b
	return resp, nil
}

type idleBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	idle   time.Duration
	timer  *time.Timer
	once   sync.Once
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); cause != nil {
			if s, ok := cause.(*StalledError); ok {
				return n, s
			}
		}
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.once.Do(func() {
		b.timer.Stop()
		b.cancel(nil)
	})
	return b.rc.Close()
}
