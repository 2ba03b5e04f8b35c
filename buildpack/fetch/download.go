package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// NewClient returns an HTTP client that gives up quickly on unreachable hosts
// (so a build fails over to the next source within seconds) but lets a large
// download take as long as it needs while bytes keep arriving; a download
// that receives nothing for DefaultIdleTimeout fails with a *StalledError.
// Proxies and CA certificates come from the usual environment variables
// (HTTPS_PROXY, SSL_CERT_FILE, SSL_CERT_DIR), which Go reads itself.
func NewClient() *http.Client { return NewClientIdle(DefaultIdleTimeout) }

// ConnectTimeout bounds the TCP connection to a server.
const ConnectTimeout = 5 * time.Second

// NewClientIdle is NewClient with another idle timeout (see
// ParseIdleTimeout).
func NewClientIdle(idle time.Duration) *http.Client {
	return &http.Client{Transport: idleTransport{idle: idle, base: newTransport(idle)}}
}

// newTransport is the transport of the clients, with idle as their idle
// timeout.
func newTransport(idle time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: min(20*time.Second, idle),
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// NewBulkClient is NewClient for many downloads at once over one HTTP/2
// connection (a lockfile's tarballs). Go's HTTP/2 transport would buffer up
// to 4 MB per stream that the reader has not consumed yet, and 32 streams
// of large tarballs then held 20-30 MB more in memory than they needed
// while the CPU was busy; 256 KB per stream and 4 MB per connection keep a
// fast link busy and the memory bounded.
func NewBulkClient() *http.Client { return NewBulkClientIdle(DefaultIdleTimeout) }

// NewBulkClientIdle is NewBulkClient with another idle timeout.
func NewBulkClientIdle(idle time.Duration) *http.Client {
	t := newTransport(idle)
	t.HTTP2 = &http.HTTP2Config{
		MaxReceiveBufferPerStream:     256 << 10,
		MaxReceiveBufferPerConnection: 4 << 20,
	}
	return &http.Client{Transport: idleTransport{idle: idle, base: t}}
}

// Fetcher downloads verified artifacts into a content-addressed store.
type Fetcher struct {
	// Client performs the requests.
	Client *http.Client
	// Dir holds verified downloads, named by checksum; usually inside the
	// build cache. Required.
	Dir string
	// Progress, when not nil, receives the progress of the archives it
	// downloads (Get, Save, Unpack; not Text).
	Progress Progress
}

// Result describes a fetched artifact.
type Result struct {
	// Path is the verified file.
	Path string
	// Cached is true when no download was needed.
	Cached bool
	// Transfer is, for Unpack, the time from the request to the last byte
	// of the answer; the extraction may have gone on after it.
	Transfer time.Duration
}

// Get returns a local copy of url whose content matches sum. A copy already in
// the store is re-verified and reused; otherwise the file is downloaded into a
// temporary file, verified, and only then renamed into place. A mismatch
// leaves nothing behind.
func (f *Fetcher) Get(ctx context.Context, url string, sum Checksum) (Result, error) {
	dest, ok, err := f.stored(url, sum)
	if err != nil || ok {
		return Result{Path: dest, Cached: ok}, err
	}
	if err := f.Save(ctx, url, sum, dest); err != nil {
		return Result{}, err
	}
	return Result{Path: dest}, nil
}

// Save downloads url to dest, a path of the caller's choosing (another
// tool's cache, say), through a temporary file next to it that is renamed
// only when its content matches sum. A mismatch or an error leaves nothing
// behind. The directory of dest must exist.
func (f *Fetcher) Save(ctx context.Context, url string, sum Checksum, dest string) error {
	if sum.IsZero() {
		return fmt.Errorf("refusing to download %s without a checksum", url)
	}
	h, err := sum.NewHash()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".part-*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := f.streamArchive(ctx, url, io.MultiWriter(tmp, h)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", url, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, sum.Digest) {
		return &MismatchError{URL: url, Want: sum, Got: Checksum{Algo: sum.Algo, Digest: got}}
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("storing %s: %w", url, err)
	}
	return nil
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

// streamArchive is stream for an archive: its progress is reported.
func (f *Fetcher) streamArchive(ctx context.Context, url string, w io.Writer) error {
	return f.streamWith(ctx, url, w, f.Progress)
}

func (f *Fetcher) stream(ctx context.Context, url string, w io.Writer) error {
	return f.streamWith(ctx, url, w, nil)
}

func (f *Fetcher) streamWith(ctx context.Context, url string, w io.Writer, progress Progress) error {
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
		// The client's error repeats the method and URL; keep its cause.
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &StatusError{URL: url, Status: resp.Status, Code: resp.StatusCode}
	}
	if progress != nil {
		pw := &progressWriter{w: w, report: progress, url: url, total: resp.ContentLength, last: time.Now()}
		defer func() { progress(url, pw.done, pw.total, true) }()
		w = pw
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

// Unpack makes dest the extracted content of the .tar.gz at url, whose
// content must match sum, dropping strip leading path components (see
// ExtractTar). The archive is extracted while it downloads: the response
// body goes to a temporary file of the store and through the hash, and an
// extraction reads that file as it grows, so neither waits for the other.
// Only when the whole download verifies is the archive kept in the store
// and dest left in place; on a mismatch, or any other error, dest is
// removed, so the caller must give a directory of its own (a staging
// directory it commits only after Unpack succeeds). Before verification the
// extraction never writes more than unverifiedRatio times the bytes
// received so far (plus a margin): a forged archive cannot fill the disk
// faster than it is downloaded.
//
// A verified archive already in the store is extracted without a download
// (Result.Cached).
func (f *Fetcher) Unpack(ctx context.Context, url string, sum Checksum, dest string, strip int) (Result, error) {
	return f.UnpackFiltered(ctx, url, sum, dest, strip, nil)
}

// UnpackFiltered is Unpack extracting only the entries keep selects; the
// whole archive is still downloaded, verified and stored, so the rest can be
// read later from Result.Path (with ExtractTarGz or Repack).
func (f *Fetcher) UnpackFiltered(ctx context.Context, url string, sum Checksum, dest string, strip int, keep Filter) (Result, error) {
	res, err := f.unpack(ctx, url, sum, dest, strip, keep)
	if err != nil {
		_ = os.RemoveAll(dest)
	}
	return res, err
}

// Keep moves the file at path, whose content the caller has read and found
// to be sum, into the store, where Get and Unpack find it by sum from then
// on. path should be in Dir (a rename).
func (f *Fetcher) Keep(path string, sum Checksum) error {
	dest, _, err := f.stored(path, sum)
	if err != nil {
		return err
	}
	if err := os.Rename(path, dest); err != nil {
		return fmt.Errorf("keeping %s: %w", path, err)
	}
	return nil
}

// stored returns where the store keeps the artifact with checksum sum, and
// whether a verified copy is there already.
func (f *Fetcher) stored(url string, sum Checksum) (string, bool, error) {
	if sum.IsZero() {
		return "", false, fmt.Errorf("refusing to download %s without a checksum", url)
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return "", false, fmt.Errorf("creating download store: %w", err)
	}
	path := filepath.Join(f.Dir, sum.Algo+"-"+fmt.Sprintf("%x", sum.Digest))
	ok, _ := verifyFile(path, sum)
	return path, ok, nil
}

func (f *Fetcher) unpack(ctx context.Context, url string, sum Checksum, dest string, strip int, keep Filter) (Result, error) {
	stored, ok, err := f.stored(url, sum)
	if err != nil {
		return Result{}, err
	}
	if ok {
		if err := extractTarGz(stored, dest, strip, extractOptions{keep: keep}); err != nil {
			return Result{}, err
		}
		return Result{Path: stored, Cached: true}, nil
	}
	h, err := sum.NewHash()
	if err != nil {
		return Result{}, err
	}
	tmp, err := os.CreateTemp(f.Dir, ".part-*")
	if err != nil {
		return Result{}, fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	in, err := os.Open(tmp.Name())
	if err != nil {
		tmp.Close()
		return Result{}, err
	}
	defer in.Close()

	// The extraction reads the archive, and writes into dest, before the
	// download is verified. Nothing can use or keep that tree before the
	// verification succeeds: the growing file ends (io.EOF) only once the
	// checksum matched, and hands the extraction the failure otherwise;
	// unpack returns only after both the verification and the extraction
	// ended, and with an error on a mismatch, whereupon UnpackFiltered
	// removes dest (a directory of the caller's own, which it commits
	// only after success); the archive enters the store only after the
	// verification, below.
	g := newGrowing(in)
	extracted := make(chan error, 1)
	go func() {
		extracted <- g.extract(dest, strip, keep)
	}()

	start := time.Now()
	err = f.streamArchive(ctx, url, io.MultiWriter(tmp, h, g))
	transfer := time.Since(start)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %s: %w", url, cerr)
	}
	if err == nil {
		if got := h.Sum(nil); !bytes.Equal(got, sum.Digest) {
			err = &MismatchError{URL: url, Want: sum, Got: Checksum{Algo: sum.Algo, Digest: got}}
		}
	}
	g.finish(err)
	xerr := <-extracted
	if err != nil {
		return Result{}, err
	}
	// The download is verified: keep it even when it does not extract.
	if rerr := os.Rename(tmp.Name(), stored); rerr != nil {
		return Result{}, fmt.Errorf("storing %s: %w", url, rerr)
	}
	if xerr != nil {
		return Result{Path: stored, Transfer: transfer}, xerr
	}
	return Result{Path: stored, Transfer: transfer}, nil
}

// unverifiedRatio and unverifiedMargin bound what an extraction writes
// before the download is verified: at most unverifiedRatio bytes of tar
// stream per byte received, plus unverifiedMargin. Runtime archives expand
// 3-6 times; a larger expansion only waits for the verification.
const (
	unverifiedRatio  = 16
	unverifiedMargin = 64 << 20
)

// growing is a file being downloaded, read by an extraction as it grows.
type growing struct {
	f *os.File

	mu       sync.Mutex
	cond     *sync.Cond
	written  int64 // bytes of the download so far
	read     int64 // bytes of the file consumed by the extraction
	expanded int64 // bytes of tar stream the extraction consumed
	done     bool  // the download ended, verified when err is nil
	err      error
}

func newGrowing(f *os.File) *growing {
	g := &growing{f: f}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Write records that p was appended to the file (it is called after the
// file's own Write, by io.MultiWriter).
func (g *growing) Write(p []byte) (int, error) {
	g.mu.Lock()
	g.written += int64(len(p))
	g.cond.Broadcast()
	g.mu.Unlock()
	return len(p), nil
}

// finish ends the download: verified when err is nil, failed otherwise.
func (g *growing) finish(err error) {
	g.mu.Lock()
	g.done, g.err = true, err
	g.cond.Broadcast()
	g.mu.Unlock()
}

// Read reads the compressed archive, waiting for the download.
func (g *growing) Read(p []byte) (int, error) {
	g.mu.Lock()
	for g.read >= g.written && !g.done {
		g.cond.Wait()
	}
	if g.err != nil {
		g.mu.Unlock()
		return 0, g.err
	}
	avail := g.written - g.read
	g.mu.Unlock()
	if avail == 0 {
		return 0, io.EOF // done and verified
	}
	n, err := g.f.Read(p[:min(int64(len(p)), avail)])
	g.mu.Lock()
	g.read += int64(n)
	g.mu.Unlock()
	if errors.Is(err, io.EOF) {
		err = nil // the file is behind the count only until its Write returns
	}
	return n, err
}

// expand is the decompressed stream, held back while unverified output
// would exceed its bound.
type expand struct {
	g *growing
	r io.Reader
}

func (e expand) Read(p []byte) (int, error) {
	g := e.g
	g.mu.Lock()
	for !g.done && g.expanded+int64(len(p)) > unverifiedRatio*g.written+unverifiedMargin {
		g.cond.Wait()
	}
	err := g.err
	g.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := e.r.Read(p)
	g.mu.Lock()
	g.expanded += int64(n)
	g.mu.Unlock()
	return n, err
}

// extract unpacks the growing archive into dest, decompressing it with
// klauspost/compress. After an error it drains nothing: the download goes on
// into the file regardless.
func (g *growing) extract(dest string, strip int, keep Filter) error {
	gz, err := gzip.NewReader(g)
	if err != nil {
		return fmt.Errorf("reading archive: %w", err)
	}
	defer gz.Close()
	if err := extractTar(expand{g: g, r: gz}, dest, strip, extractOptions{keep: keep}); err != nil {
		return err
	}
	// Read to the end, so that the gzip trailer (its CRC) is checked too.
	_, err = io.Copy(io.Discard, expand{g: g, r: gz})
	return err
}
