package prefetch

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// A lockfile entry without "resolved" is not read from npm's content store
// by digest: npm asks the registry for the package's document (the
// packument), takes the tarball URL from it, and fetches both through its
// HTTP cache (make-fetch-happen), which finds responses by URL in cacache's
// index. So for those entries the prefetch stores what npm's HTTP cache
// would have stored itself: the verified tarball and the packument in the
// content store, and for each an index entry under
// "make-fetch-happen:request-cache:<url>" holding the response headers
// npm keeps. Whether npm then reuses them without asking again depends on
// those headers, as for its own entries (npm ci --offline always does).

// corgiAccept is the Accept header npm sends for packuments.
const corgiAccept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"

// keptHeaders are the response headers make-fetch-happen keeps in the index.
var keptHeaders = []string{"cache-control", "content-encoding", "content-language", "content-type", "date",
	"etag", "expires", "last-modified", "link", "location", "pragma", "vary"}

// indexEntry is one line of a cacache index bucket, in the field order npm
// writes them.
type indexEntry struct {
	Key       string        `json:"key"`
	Integrity string        `json:"integrity"`
	Time      int64         `json:"time"`
	Size      int64         `json:"size"`
	Metadata  indexMetadata `json:"metadata"`
}

type indexMetadata struct {
	Time       int64             `json:"time"`
	URL        string            `json:"url"`
	ReqHeaders map[string]string `json:"reqHeaders"`
	ResHeaders map[string]string `json:"resHeaders"`
	Options    struct {
		Compress bool `json:"compress"`
	} `json:"options"`
}

// indexKey is the cacache key of npm's HTTP cache for url.
func indexKey(url string) string { return "make-fetch-happen:request-cache:" + url }

// indexPath is the bucket of key: index-v5/<sha256 hex split 2/2/rest>.
func indexPath(npmCache, key string) string {
	s := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(s[:])
	return filepath.Join(npmCache, "_cacache", "index-v5", h[:2], h[2:4], h[4:])
}

// indexed reports whether the index has an entry for url.
func indexed(npmCache, url string) bool {
	b, err := os.ReadFile(indexPath(npmCache, indexKey(url)))
	return err == nil && bytes.Contains(b, []byte(`"key":`+strconv.Quote(indexKey(url))))
}

// writeIndex appends to the bucket of url's key the entry npm's HTTP
// cache would write for a 200 answer with body sum (size bytes).
func writeIndex(npmCache, url string, sum fetch.Checksum, size int64, req, res http.Header) error {
	now := time.Now().UnixMilli()
	e := indexEntry{Key: indexKey(url), Integrity: sum.Algo + "-" + base64.StdEncoding.EncodeToString(sum.Digest), Time: now, Size: size}
	e.Metadata.Time, e.Metadata.URL, e.Metadata.Options.Compress = now, url, true
	e.Metadata.ReqHeaders, e.Metadata.ResHeaders = map[string]string{}, map[string]string{}
	if a := req.Get("Accept"); a != "" {
		e.Metadata.ReqHeaders["accept"] = a
	}
	for _, h := range keptHeaders {
		if v := res.Get(h); v != "" {
			e.Metadata.ResHeaders[h] = v
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return err
	}
	line := strings.TrimSuffix(buf.String(), "\n")
	h := sha1.Sum([]byte(line))
	path := indexPath(npmCache, e.Key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "\n%s\t%s", hex.EncodeToString(h[:]), line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// reusable reports whether npm's HTTP cache would answer from a stored
// response with these headers without downloading it again: fresh for a
// while, or revalidatable (an ETag or Last-Modified gets a 304).
func reusable(res http.Header) bool {
	cc := strings.ToLower(res.Get("Cache-Control"))
	if strings.Contains(cc, "no-store") {
		return false
	}
	for _, d := range strings.Split(cc, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "max-age="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return true
			}
		}
	}
	return res.Get("Expires") != "" || res.Get("ETag") != "" || res.Get("Last-Modified") != ""
}

// download streams url into npm's content store as the content with
// checksum want (a zero want: whatever comes, stored under its sha512),
// verified before it is renamed into place, and returns its checksum, size
// and the answer's headers.
func download(ctx context.Context, client *http.Client, npmCache, url, accept string, want fetch.Checksum) (fetch.Checksum, int64, http.Header, http.Header, error) {
	algo := want
	if want.IsZero() {
		algo = fetch.Checksum{Algo: "sha512"}
	}
	h, err := algo.NewHash()
	if err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	req.Header.Set("User-Agent", "kiln")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fetch.Checksum{}, 0, nil, nil, &fetch.StatusError{URL: url, Status: resp.Status, Code: resp.StatusCode}
	}
	dir := filepath.Join(npmCache, "_cacache", "tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	tmp, err := os.CreateTemp(dir, ".part-*")
	if err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fetch.Checksum{}, 0, nil, nil, fmt.Errorf("reading %s: %w", url, err)
	}
	got := fetch.Checksum{Algo: algo.Algo, Digest: h.Sum(nil)}
	if !want.IsZero() && !bytes.Equal(got.Digest, want.Digest) {
		return fetch.Checksum{}, 0, nil, nil, &fetch.MismatchError{URL: url, Want: want, Got: got}
	}
	dest := CachePath(npmCache, got)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fetch.Checksum{}, 0, nil, nil, err
	}
	return got, n, req.Header, resp.Header, nil
}

// PackumentURL is where npm asks registry about the package name: a
// scoped name's slash is escaped ("@s%2fn"), as npm does.
func PackumentURL(registry, name string) string {
	return strings.TrimRight(registry, "/") + "/" + strings.Replace(name, "/", "%2f", 1)
}
