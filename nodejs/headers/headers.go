// Package headers serves the C headers of Node.js to node-gyp during a
// build, as a local nodejs.org mirror made from the verified archive
// Node.js was installed from.
//
// The headers of a Node.js distribution (include/: 2,726 files and 599
// directories, 65 MB) are read only by node-gyp, when a native add-on
// builds, and never reach the slug. Creating them was most of a cold
// install's cost on the build machines' disks (0.04-1.3 ms per file), so
// the runtime cache keeps Node.js without them (Dir is left out of the
// extraction), and the build serves them the way node-gyp asks for them
// anyway: as a nodejs.org mirror. During the build a Server listens on the
// loopback interface and NODEJS_ORG_MIRROR points there. The first request
// for v<version>/node-v<version>-headers.tar.gz or v<version>/SHASUMS256.txt
// makes the headers tarball from the verified archive (kept in the download
// store, checked again before use) and keeps it in a directory of the
// cache; node-gyp then downloads it, checks it against SHASUMS256.txt and
// extracts it into its own cache, exactly as it does from nodejs.org. A
// build that compiles nothing never pays for the headers, and one that does
// needs no network for them. Every other path is redirected to the mirror
// Node.js comes from, so node-gyp targeting another release still finds it.
//
// The package owns the mirror and the kept tarballs; the archive, and
// where downloads are stored, come from the caller.
package headers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// Dir is the part of a Node.js distribution that is served, not extracted.
const Dir = "include"

// Archive is the verified archive a Node.js tree was extracted from, which
// holds its headers.
type Archive struct {
	// Version is the Node.js version, without a leading v.
	Version string
	// URL is where the archive was downloaded from.
	URL string
	// Sum is its checksum.
	Sum fetch.Checksum
	// Strip is the number of leading path components above Dir.
	Strip int
}

// Options is what a Server needs.
type Options struct {
	// Upstream is the mirror other requests are redirected to.
	Upstream string
	// Dir is where made headers tarballs are kept from build to build.
	Dir string
	// Get returns the verified archive at url from the download store,
	// downloading it again if it is missing or damaged.
	Get func(ctx context.Context, url string, sum fetch.Checksum) (fetch.Result, error)
	// Log receives a line when a tarball is first served; nil prints
	// nothing.
	Log *buildpack.Logger
}

// Server is the loopback nodejs.org mirror of one build.
type Server struct {
	o   Options
	url string // the value of NODEJS_ORG_MIRROR
	srv *http.Server

	mu      sync.Mutex
	archive *Archive
	tarball string // the made tarball of archive, once made
	sha256  string // its digest, hex
}

// Loopback listens on a free port of the loopback interface.
func Loopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// Start serves the headers on the listener listen makes until Close.
func Start(o Options, listen func() (net.Listener, error)) (*Server, error) {
	ln, err := listen()
	if err != nil {
		return nil, fmt.Errorf("serving Node.js headers: %w", err)
	}
	if o.Log == nil {
		o.Log = buildpack.Discard()
	}
	h := &Server{o: o, url: "http://" + ln.Addr().String()}
	h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// URL is the mirror's address, the value of NODEJS_ORG_MIRROR.
func (h *Server) URL() string { return h.url }

// Close stops the server.
func (h *Server) Close() { _ = h.srv.Close() }

// Use sets the archive the headers come from: that of the installed
// Node.js. Until then every request is redirected upstream.
func (h *Server) Use(a Archive) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.archive, h.tarball, h.sha256 = &a, "", ""
}

// tarballName is the file name nodejs.org gives the headers of a release.
func tarballName(version string) string { return "node-v" + version + "-headers.tar.gz" }

// ServeHTTP serves the headers tarball and its checksum list for the
// installed release, and redirects any other request to the upstream mirror.
func (h *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	a := h.archive
	h.mu.Unlock()
	dir, file := filepath.Split(r.URL.Path)
	if a == nil || dir != "/v"+a.Version+"/" || (file != tarballName(a.Version) && file != "SHASUMS256.txt") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.Redirect(w, r, h.o.Upstream+r.URL.Path, http.StatusFound)
		return
	}
	path, sum, err := h.headers(r.Context(), *a)
	if err != nil {
		http.Error(w, fmt.Sprintf("kiln could not make the headers of Node.js %s: %v", a.Version, err), http.StatusBadGateway)
		return
	}
	if file == "SHASUMS256.txt" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s  %s\n", sum, tarballName(a.Version))
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
func (h *Server) headers(ctx context.Context, a Archive) (string, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tarball != "" {
		return h.tarball, h.sha256, nil
	}
	start := time.Now()
	key := a.Sum.String()
	key = strings.ReplaceAll(key[:min(len(key), 30)], ":", "-")
	final := filepath.Join(h.o.Dir, fmt.Sprintf("node-v%s-%s-headers.tar.gz", a.Version, key))
	how := "kept from an earlier build"
	sum, err := fileSHA256(final)
	if err != nil {
		if sum, err = h.make(ctx, a, final); err != nil {
			return "", "", err
		}
		how = "made from the verified Node.js archive in " + time.Since(start).Round(10*time.Millisecond).String()
	}
	h.tarball, h.sha256 = final, sum
	h.o.Log.Info("Serving the C headers of Node.js %s to node-gyp (%s)", a.Version, how)
	return final, sum, nil
}

// make writes the headers tarball of a at final, through a temporary file
// renamed when complete, and returns its SHA-256.
func (h *Server) make(ctx context.Context, a Archive, final string) (string, error) {
	res, err := h.o.Get(ctx, a.URL, a.Sum)
	if err != nil {
		return "", fmt.Errorf("getting the Node.js archive: %w", err)
	}
	if err := os.MkdirAll(h.o.Dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(h.o.Dir, ".part-headers-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	d := sha256.New()
	err = fetch.Repack(res.Path, a.Strip, fetch.Under(Dir), "node-v"+a.Version+"/", io.MultiWriter(tmp, d))
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
