package nodejs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// The C headers of a Node.js distribution (include/: 2,726 files and 599
// directories, 65 MB) are read only by node-gyp, when a native add-on
// builds, and never reach the slug. Creating them was most of a cold
// install's cost on the build machines' disks (0.04-1.3 ms per file), so
// the runtime cache keeps Node.js without them (headersDir is left out of
// the extraction), and the build serves them the way node-gyp asks for them
// anyway: as a nodejs.org mirror. During the build kiln listens on the
// loopback interface and NODEJS_ORG_MIRROR points there. The first request
// for v<version>/node-v<version>-headers.tar.gz or v<version>/SHASUMS256.txt
// makes the headers tarball from the verified archive Node.js was installed
// from (kept in the download store, checked again before use) and keeps it
// in the cache next to the runtimes; node-gyp then downloads it, checks it
// against SHASUMS256.txt and extracts it into its own cache, exactly as it
// does from nodejs.org. A build that compiles nothing never pays for the
// headers, and one that does needs no network for them. Every other path is
// redirected to the mirror Node.js comes from, so node-gyp targeting another
// release still finds it.

// headersDir is the part of a Node.js distribution that is served, not
// extracted.
const headersDir = "include"

// nodeArchive is the verified archive a cached Node.js tree was extracted
// from.
type nodeArchive struct {
	version string
	url     string
	sum     fetch.Checksum
	strip   int
}

// headerServer is the loopback nodejs.org mirror of one build.
type headerServer struct {
	url      string // the value of NODEJS_ORG_MIRROR
	upstream string // where requests for anything else go
	dir      string // where made headers tarballs are kept
	// get returns the verified archive from the download store,
	// downloading it again if it is missing or damaged.
	get func(ctx context.Context, url string, sum fetch.Checksum) (fetch.Result, error)
	// served is called once the tarball was first made or found.
	served func(version string, made bool, took time.Duration)
	srv    *http.Server

	mu      sync.Mutex
	archive *nodeArchive
	tarball string // the made tarball of archive, once made
	sha256  string // its digest, hex
}

// loopback listens on a free port of the loopback interface.
func loopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// startHeaderServer serves h on the listener listen makes until close.
func startHeaderServer(h *headerServer, listen func() (net.Listener, error)) (*headerServer, error) {
	ln, err := listen()
	if err != nil {
		return nil, fmt.Errorf("serving Node.js headers: %w", err)
	}
	h.url = "http://" + ln.Addr().String()
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// close stops the server.
func (h *headerServer) close() { _ = h.srv.Close() }

// use sets the archive the headers come from.
func (h *headerServer) use(a nodeArchive) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.archive, h.tarball, h.sha256 = &a, "", ""
}

// headersName is the file name nodejs.org gives the headers of a release.
func headersName(version string) string { return "node-v" + version + "-headers.tar.gz" }

// ServeHTTP serves the headers tarball and its checksum list for the
// installed release, and redirects any other request to the upstream mirror.
func (h *headerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	a := h.archive
	h.mu.Unlock()
	dir, file := filepath.Split(r.URL.Path)
	if a == nil || dir != "/v"+a.version+"/" || (file != headersName(a.version) && file != "SHASUMS256.txt") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.Redirect(w, r, h.upstream+r.URL.Path, http.StatusFound)
		return
	}
	path, sum, err := h.headers(r.Context(), *a)
	if err != nil {
		http.Error(w, fmt.Sprintf("kiln could not make the headers of Node.js %s: %v", a.version, err), http.StatusBadGateway)
		return
	}
	if file == "SHASUMS256.txt" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s  %s\n", sum, headersName(a.version))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/gzip")
	http.ServeContent(w, r, file, time.Time{}, f)
}

// headers returns the headers tarball of a and its SHA-256: the one kept
// from an earlier build, or one made now from the verified archive.
func (h *headerServer) headers(ctx context.Context, a nodeArchive) (string, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tarball != "" {
		return h.tarball, h.sha256, nil
	}
	start := time.Now()
	key := a.sum.String()
	key = strings.ReplaceAll(key[:min(len(key), 30)], ":", "-")
	final := filepath.Join(h.dir, fmt.Sprintf("node-v%s-%s-headers.tar.gz", a.version, key))
	made := false
	sum, err := fileSHA256(final)
	if err != nil {
		if sum, err = h.make(ctx, a, final); err != nil {
			return "", "", err
		}
		made = true
	}
	h.tarball, h.sha256 = final, sum
	if h.served != nil {
		h.served(a.version, made, time.Since(start))
	}
	return final, sum, nil
}

// make writes the headers tarball of a at final, through a temporary file
// renamed when complete, and returns its SHA-256.
func (h *headerServer) make(ctx context.Context, a nodeArchive, final string) (string, error) {
	res, err := h.get(ctx, a.url, a.sum)
	if err != nil {
		return "", fmt.Errorf("getting the Node.js archive: %w", err)
	}
	if err := os.MkdirAll(h.dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(h.dir, ".part-headers-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	d := sha256.New()
	err = fetch.Repack(res.Path, a.strip, fetch.Under(headersDir), "node-v"+a.version+"/", io.MultiWriter(tmp, d))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	return hex.EncodeToString(d.Sum(nil)), nil
}

// fileSHA256 returns the SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(d.Sum(nil)), nil
}

// errNoArchive is returned for a cached Node.js tree that does not record
// the archive it came from (made by an earlier kiln, with its headers).
var errNoArchive = errors.New("the cached Node.js does not record its archive")

// archiveOf returns the archive a cached Node.js tree came from.
func archiveOf(info runtimeInfo) (nodeArchive, error) {
	algo, digest, ok := strings.Cut(info.Checksum, ":")
	if info.Archive == "" || !ok {
		return nodeArchive{}, errNoArchive
	}
	sum, err := fetch.Hex(algo, digest)
	if err != nil {
		return nodeArchive{}, err
	}
	return nodeArchive{version: info.Version, url: info.Archive, sum: sum, strip: 1}, nil
}

// servesHeaders reports whether the plan points node-gyp at the build's
// header server.
func servesHeaders(p buildpack.Plan) bool {
	for _, s := range p.Steps {
		if s.Name == stepEnvironment && s.Env["NODEJS_ORG_MIRROR"] == phHeaders {
			return true
		}
	}
	return false
}

// serveHeaders starts the build's header server when the plan points
// node-gyp at it, on a listener from listen, and returns what stops it.
// When it cannot start, the build warns and $NODE_HEADERS_MIRROR stands for
// the plan's dist mirror: node-gyp downloads the headers from there.
func (c *compiler) serveHeaders(listen func() (net.Listener, error)) (stop func()) {
	if !servesHeaders(c.plan) {
		return func() {}
	}
	h, err := c.startHeaders(listen)
	if err != nil {
		c.log.Warn("Could not serve the Node.js headers to native add-ons (%v); node-gyp will download them from %s", err, c.plan.Settings[setDistMirror])
		return func() {}
	}
	c.headers = h
	return h.close
}

// startHeaders starts the build's header server; it keeps made tarballs in
// the cache, next to the runtimes.
func (c *compiler) startHeaders(listen func() (net.Listener, error)) (*headerServer, error) {
	return startHeaderServer(&headerServer{
		upstream: c.plan.Settings[setDistMirror],
		dir:      filepath.Join(c.cacheDir(), "runtimes", "headers"),
		get:      c.fetcher().Get,
		served: func(version string, made bool, took time.Duration) {
			how := "kept from an earlier build"
			if made {
				how = "made from the verified Node.js archive in " + took.Round(10*time.Millisecond).String()
			}
			c.log.Info("Serving the C headers of Node.js %s to node-gyp (%s)", version, how)
		},
	}, listen)
}
