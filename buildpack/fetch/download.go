package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// NewClient returns an HTTP client that gives up quickly on unreachable hosts
// (so a build fails over to the next source within seconds) but lets a large
// download take as long as it needs while bytes keep arriving. Proxies and CA
// certificates come from the usual environment variables (HTTPS_PROXY,
// SSL_CERT_FILE, SSL_CERT_DIR), which Go reads itself.
func NewClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

// Fetcher downloads verified artifacts into a content-addressed store.
type Fetcher struct {
	// Client performs the requests.
	Client *http.Client
	// Dir holds verified downloads, named by checksum; usually inside the
	// build cache. Required.
	Dir string
}

// Result describes a fetched artifact.
type Result struct {
	// Path is the verified file.
	Path string
	// Cached is true when no download was needed.
	Cached bool
}

// Get returns a local copy of url whose content matches sum. A copy already in
// the store is re-verified and reused; otherwise the file is downloaded into a
// temporary file, verified, and only then renamed into place. A mismatch
// leaves nothing behind.
func (f *Fetcher) Get(ctx context.Context, url string, sum Checksum) (Result, error) {
	if sum.IsZero() {
		return Result{}, fmt.Errorf("refusing to download %s without a checksum", url)
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("creating download store: %w", err)
	}
	dest := filepath.Join(f.Dir, sum.Algo+"-"+fmt.Sprintf("%x", sum.Digest))
	if ok, _ := verifyFile(dest, sum); ok {
		return Result{Path: dest, Cached: true}, nil
	}
	tmp, err := os.CreateTemp(f.Dir, ".part-*")
	if err != nil {
		return Result{}, fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	h, err := sum.NewHash()
	if err != nil {
		tmp.Close()
		return Result{}, err
	}
	if err := f.stream(ctx, url, io.MultiWriter(tmp, h)); err != nil {
		tmp.Close()
		return Result{}, err
	}
	if err := tmp.Close(); err != nil {
		return Result{}, fmt.Errorf("writing %s: %w", url, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, sum.Digest) {
		return Result{}, &MismatchError{URL: url, Want: sum, Got: Checksum{Algo: sum.Algo, Digest: got}}
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return Result{}, fmt.Errorf("storing %s: %w", url, err)
	}
	return Result{Path: dest}, nil
}

// MismatchError reports a download whose checksum is not the expected one.
type MismatchError struct {
	URL       string
	Want, Got Checksum
}

// Error implements error.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: expected %s, got %s", e.URL, e.Want, e.Got)
}

// Text downloads a small text document (a checksum list, a .sha256 file, a
// registry document), refusing more than limit bytes.
func (f *Fetcher) Text(ctx context.Context, url string, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	lw := &limitWriter{w: &buf, n: limit}
	if err := f.stream(ctx, url, lw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	URL    string
	Status string
	Code   int
}

// Error implements error.
func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Status) }

func (f *Fetcher) stream(ctx context.Context, url string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("building request for %s: %w", url, err)
	}
	req.Header.Set("User-Agent", "kiln")
	client := f.Client
	if client == nil {
		client = NewClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &StatusError{URL: url, Status: resp.Status, Code: resp.StatusCode}
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("reading %s: %w", url, err)
	}
	return nil
}

func verifyFile(path string, sum Checksum) (bool, error) {
	fh, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer fh.Close()
	h, err := sum.NewHash()
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(h, fh); err != nil {
		return false, err
	}
	return bytes.Equal(h.Sum(nil), sum.Digest), nil
}

type limitWriter struct {
	w io.Writer
	n int64
}

var errTooLarge = errors.New("response too large")

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errTooLarge
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
