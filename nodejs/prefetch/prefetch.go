// Package prefetch downloads, in the background, the registry tarballs an
// npm lockfile names into npm's cache, so that npm ci installs from its
// cache instead of fetching them one by one after Node.js is installed.
//
// A package-lock.json (v2 or later) says which tarballs npm will need
// (packages.*.resolved) and what they hash to (integrity), and npm reads a
// tarball whose lockfile entry has both straight from its cache's content
// store, by digest, without asking the registry (pacote's
// tarballFromCache, cacache's get.stream.byDigest; the index is not
// consulted). So a build can download those tarballs into the content
// store, <npm cache>/_cacache/content-v2/<algo>/<hex[0:2]>/<hex[2:4]>/
// <hex[4:]>, from its start, while Node.js downloads and unpacks. Each file
// is verified against its integrity before it is renamed into place, so the
// store never holds a wrong blob. Tarballs already there are left alone, a
// failed download only leaves that package to npm, and entries npm would
// not read from the cache (links, git and file dependencies, no integrity)
// are not fetched. Like npm (replace-registry-host=npmjs), tarballs of the
// public registry are fetched from the configured one.
//
// The package owns the lockfile's list of tarballs, the content store's
// layout and the download itself; when to prefetch, and for which
// lockfile, is the Node.js compiler's business.
package prefetch

import (
	"context"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// Workers is how many tarballs download at a time. Small tarballs make the
// download wait on round trips rather than bandwidth: the 1,086 tarballs
// (170 MB) of bench/apps/large took 2.3-2.4 s with 12 at a time, 1.3-1.8 s
// with 16-24 and 0.9-1.3 s with 32, from the npm registry.
const Workers = 32

// publicRegistry is the registry host npm replaces with the configured one.
const publicRegistry = "https://registry.npmjs.org/"

// Tarball is one package archive to download.
type Tarball struct {
	// URL is where it is downloaded from.
	URL string
	// Sum is its integrity.
	Sum fetch.Checksum
	// Computed is set when the lockfile has no "resolved" for it and URL
	// was computed from the registry, the name and the version.
	Computed bool
	// Packument is, for a computed one, the URL of the registry document
	// npm asks for first.
	Packument string
}

// CachePath is where the npm cache npmCache keeps the content with
// checksum sum.
func CachePath(npmCache string, sum fetch.Checksum) string {
	h := hex.EncodeToString(sum.Digest)
	return filepath.Join(npmCache, "_cacache", "content-v2", sum.Algo, h[:2], h[2:4], h[4:])
}

// Options is what one prefetch needs.
type Options struct {
	// Lockfile is the content of the npm lockfile, LockName its file name
	// (for the build output).
	Lockfile []byte
	LockName string
	// NPMCache is npm's cache directory ($NPM_CONFIG_CACHE).
	NPMCache string
	// Selection says which packages npm installs and from which registry.
	Selection Selection
	// Client performs the downloads; nil means a new fetch.NewBulkClient for
	// this prefetch. Requests carry no credentials.
	Client *http.Client
	// Log receives what the prefetch does; nil prints nothing.
	Log *buildpack.Logger
	// Header, when not empty, is printed as a step header before the
	// downloads start (not when nothing is missing from the cache).
	Header string
}

// Job is the background download of one build. A zero Job has nothing to
// download: Wait and Stop return at once.
type Job struct {
	log      *buildpack.Logger
	cancel   context.CancelFunc
	done     chan struct{}
	start    time.Time
	total    int // packages npm installs from the registry
	present  int // already in the npm cache
	skipped  map[string]int
	fetched  atomic.Int32 // downloaded now
	failed   atomic.Int32 // left to npm
	bytes    atomic.Int64
	took     time.Duration
	npmCache string
}

// Start looks for the lockfile's tarballs in the npm cache and starts
// downloading, in the background, those missing; Wait waits for them. The
// download stops when ctx is cancelled.
func Start(ctx context.Context, o Options) *Job {
	if o.Log == nil {
		o.Log = buildpack.Discard()
	}
	var direct, computed []Tarball
	packuments := map[string]bool{}
	list := Select(o.Lockfile, o.Selection)
	for _, t := range list.Tarballs {
		switch {
		case !t.Computed:
			if _, err := os.Stat(CachePath(o.NPMCache, t.Sum)); err != nil {
				direct = append(direct, t)
			}
		case !indexed(o.NPMCache, t.URL) || !indexed(o.NPMCache, t.Packument):
			computed = append(computed, t)
			packuments[t.Packument] = !indexed(o.NPMCache, t.Packument)
		}
	}
	all := list.Tarballs
	missing := len(direct) + len(computed)
	ctx, cancel := context.WithCancel(ctx)
	j := &Job{log: o.Log, cancel: cancel, done: make(chan struct{}), start: time.Now(),
		total: len(all), present: len(all) - missing, npmCache: o.NPMCache, skipped: list.Skipped}
	if j.present > 0 {
		j.skipped[SkipCached] = j.present
	}
	if missing == 0 {
		close(j.done)
		return j
	}
	if o.Header != "" {
		o.Log.Header("%s", o.Header)
	}
	o.Log.Info("Fetching the %d packages of %s missing from the npm cache in the background", missing, o.LockName)
	client := o.Client
	if client == nil {
		client = fetch.NewBulkClient()
	}
	f := &fetch.Fetcher{Client: client}
	work := make(chan item)
	var wg sync.WaitGroup
	for range min(Workers, missing) {
		wg.Go(func() {
			for it := range work {
				j.fetch(ctx, f, it)
			}
		})
	}
	go func() {
		defer close(j.done)
		send := func(it item) bool {
			if ctx.Err() != nil {
				return false
			}
			work <- it
			return true
		}
		for _, t := range direct {
			if !send(item{tarball: t}) {
				break
			}
		}
		if len(computed) > 0 && j.probe(ctx, client, computed[0]) {
			for _, t := range computed[1:] {
				if !send(item{tarball: t}) {
					break
				}
			}
			for url, missing := range packuments {
				if missing && !send(item{packument: url}) {
					break
				}
			}
		} else if len(computed) > 1 {
			j.skipped[SkipNotReusable] = len(computed) - 1
		}
		close(work)
		wg.Wait()
		j.took = time.Since(j.start)
	}()
	return j
}

// item is one download: a tarball, or the packument npm asks for before
// the tarball of a lockfile entry without "resolved".
type item struct {
	tarball   Tarball
	packument string
}

// fetch downloads one item into the npm cache.
func (j *Job) fetch(ctx context.Context, f *fetch.Fetcher, it item) {
	var n int64
	var err error
	switch {
	case it.packument != "":
		n, err = j.saveIndexed(ctx, f.Client, it.packument, corgiAccept, fetch.Checksum{})
		if err == nil {
			j.bytes.Add(n)
		}
		return // not a package: only its bytes count
	case it.tarball.Computed:
		n, err = j.saveIndexed(ctx, f.Client, it.tarball.URL, "", it.tarball.Sum)
	default:
		n, err = j.save(ctx, f, it.tarball)
	}
	if err != nil {
		j.failed.Add(1)
		return
	}
	j.fetched.Add(1)
	j.bytes.Add(n)
}

// probe downloads the first tarball of the entries without "resolved" and
// reports whether npm would reuse what the registry answers (see
// reusable); if not, npm fetches those packages again whatever is in its
// cache, and prefetching them would only double the download.
func (j *Job) probe(ctx context.Context, client *http.Client, t Tarball) bool {
	_, n, _, res, err := download(ctx, client, j.npmCache, t.URL, "", t.Sum)
	if err != nil {
		j.failed.Add(1)
		return false
	}
	j.fetched.Add(1)
	j.bytes.Add(n)
	if !reusable(res) {
		return false
	}
	return writeIndex(j.npmCache, t.URL, t.Sum, n, http.Header{}, res) == nil
}

// saveIndexed downloads url into the content store and indexes it as
// npm's HTTP cache would.
func (j *Job) saveIndexed(ctx context.Context, client *http.Client, url, accept string, want fetch.Checksum) (int64, error) {
	sum, n, req, res, err := download(ctx, client, j.npmCache, url, accept, want)
	if err != nil {
		return 0, err
	}
	return n, writeIndex(j.npmCache, url, sum, n, req, res)
}

// save downloads one tarball into the content store, where npm reads it
// by digest, and returns its size.
func (j *Job) save(ctx context.Context, f *fetch.Fetcher, t Tarball) (int64, error) {
	dest := CachePath(j.npmCache, t.Sum)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return 0, err
	}
	if err := f.Save(ctx, t.URL, t.Sum, dest); err != nil {
		return 0, err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Ran reports whether the job looked at a lockfile (a zero Job did not).
func (j *Job) Ran() bool { return j.done != nil }

// Stats says what the job did; call it after Wait.
func (j *Job) Stats() buildpack.PrefetchStats {
	s := buildpack.PrefetchStats{Packages: int(j.fetched.Load()), Bytes: j.bytes.Load(), Failed: int(j.failed.Load()), Skipped: map[string]int{}}
	for k, v := range j.skipped {
		s.Skipped[k] = v
	}
	return s
}

// Wait waits for the download to end, and says what it did when it had
// something to fetch.
func (j *Job) Wait() {
	if j.done == nil {
		return
	}
	waited := time.Now()
	<-j.done
	j.cancel()
	if j.total == j.present {
		return
	}
	if n := j.skipped[SkipPlatform] + j.skipped[SkipDev]; n > 0 {
		j.log.Info("Left out %d packages npm does not install here (%d optional ones for other platforms, %d devDependencies)",
			n, j.skipped[SkipPlatform], j.skipped[SkipDev])
	}
	j.log.Info("Fetched %d of %d packages (%.1f MB) into the npm cache in %s (waited %s for them); npm installs from its cache",
		j.fetched.Load(), j.total-j.present, float64(j.bytes.Load())/1e6, j.took.Round(10*time.Millisecond), time.Since(waited).Round(10*time.Millisecond))
	if n := j.skipped[SkipNotReusable]; n > 0 {
		j.log.Info("%d packages without a resolved URL left to npm: the registry's answers carry no cache headers, so npm would download them again anyway", n)
	}
	if n := j.failed.Load(); n > 0 {
		j.log.Info("%d could not be fetched ahead; npm downloads them", n)
	}
}

// Stop cancels the download and waits for it to stop; it says nothing.
func (j *Job) Stop() {
	if j.done == nil {
		return
	}
	j.cancel()
	<-j.done
}
