package php

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// runtimeStore keeps the repository runtimes (PHP and nginx) unpacked in
// the shared runtime store, one entry per name, version and archive
// checksum (cache.Runtimes.PHP): <store>/php/<name>-<version>-<algo>-<hex
// prefix>/, with key.json (what the tree is) and tree/ (the unpacked
// archive). Without a shared store, CACHE_DIR keeps the archives only, and
// each build unpacks them (cache.Runtimes says why).
//
// A warm build places the tree into the slug with hard links (the copy
// rule of the entry says which files are copied, and why) rather than
// unpacking the archive again: for PHP that is a few thousand links
// instead of gunzipping tens of megabytes. A rename would be cheaper still
// but would take the tree out of the store; ext4 and most build
// filesystems have no reflinks.
type runtimeStore struct{ rts cache.Runtimes }

// runtimeManifest is an entry's key.json.
type runtimeManifest struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	URL      string `json:"url"`
	Checksum string `json:"checksum"`
}

// entry is the store of name, version and the archive's checksum.
func (s runtimeStore) entry(name, version string, sum fetch.Checksum) cache.Store {
	hexsum := fmt.Sprintf("%x", sum.Digest)
	if len(hexsum) > 16 {
		hexsum = hexsum[:16]
	}
	st, _ := s.rts.PHP(name + "-" + version + "-" + sum.Algo + "-" + hexsum)
	return st
}

// find returns the store of a complete, unmodified entry. A linked file
// rewritten in place through a slug gets a modification time later than
// the save's (cache.Store.ModifiedSinceSave): the entry is then unpacked
// again rather than placed. When an entry exists but cannot be used, it is
// dropped and the reason returned.
func (s runtimeStore) find(name, version string, sum fetch.Checksum) (st cache.Store, ok bool, reason string) {
	st = s.entry(name, version, sum)
	var m runtimeManifest
	r := st.Open(&m, func() ([]string, error) {
		if m.Name != name || m.Version != version || m.Checksum != sum.String() {
			return nil, fmt.Errorf("its manifest describes %s %s %s", m.Name, m.Version, m.Checksum)
		}
		rel, err := st.ModifiedSinceSave()
		if err == nil && rel != "" {
			err = fmt.Errorf("%s was modified", filepath.ToSlash(rel))
		}
		return nil, err
	})
	switch r.Status {
	case cache.Hit:
		return st, true, ""
	case cache.Damaged:
		if unlock, err := st.Lock(true); err == nil {
			_ = st.Drop()
			unlock()
		}
		return st, false, fmt.Sprintf("the unpacked copy in the runtime store was not usable (%v)", r.Err)
	}
	return st, false, ""
}

// add saves a new entry whose tree fill unpacks (into a directory it
// creates), and returns its store. It holds the entry's lock: when another
// build saved the entry while this one waited, that save is kept.
func (s runtimeStore) add(name, version, url string, sum fetch.Checksum, fill func(tree string) error) (cache.Store, error) {
	st := s.entry(name, version, sum)
	unlock, err := st.Lock(true)
	if err != nil {
		return st, err
	}
	defer unlock()
	if _, ok, _ := s.find(name, version, sum); ok {
		return st, nil
	}
	_, err = st.Save(func(tree string) (any, int, error) {
		return runtimeManifest{Name: name, Version: version, URL: url, Checksum: sum.String()}, 0, fill(tree)
	}, nil)
	if err != nil {
		return st, fmt.Errorf("storing the unpacked %s: %w", name, err)
	}
	return st, nil
}

// placeRuntime makes dst a copy of the store's tree, by its policy: hard
// links, configuration copied; under the entry's shared lock.
func placeRuntime(st cache.Store, dst string) (int, error) {
	unlock, err := st.Lock(false)
	if err != nil {
		return 0, err
	}
	defer unlock()
	if err := os.RemoveAll(dst); err != nil {
		return 0, fmt.Errorf("clearing %s: %w", dst, err)
	}
	n, err := st.Clone(st.Tree(), dst, "", nil)
	if err == nil {
		st.Touch()
	}
	return n, err
}

// checksumMemo remembers, per URL, the checksum its .sha256 announced when
// the artifact was first downloaded and verified: CACHE_DIR/php/checksums.json.
// Only versioned repository artifacts (php-<version>.tgz,
// nginx-<version>.tgz, composer-<version>.phar) are remembered: a
// repository publishes a version once, so the URL names one content, and
// asking for its .sha256 again would cost every warm build a network round
// trip per runtime (and make it fail when the repository is down) to learn
// nothing new. A repository that republishes a version under the same URL
// reaches a cached app only once its cache is cleared (--no-cache). Unversioned
// URLs (extensions, APM agents at "latest") are asked every time.
type checksumMemo struct{ path string }

func (m checksumMemo) load() map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(m.path)
	if err == nil && json.Unmarshal(b, &out) != nil {
		out = map[string]string{}
	}
	return out
}

// get returns the remembered checksum of url.
func (m checksumMemo) get(url string) (fetch.Checksum, bool) {
	v, ok := m.load()[url]
	if !ok {
		return fetch.Checksum{}, false
	}
	algo, hexsum, _ := strings.Cut(v, ":")
	sum, err := fetch.Hex(algo, hexsum)
	return sum, err == nil
}

// put remembers url's checksum (atomically; a failure only costs the next
// build a request).
func (m checksumMemo) put(url string, sum fetch.Checksum) {
	all := m.load()
	all[url] = sum.String()
	b, err := json.MarshalIndent(all, "", "  ")
	if err == nil {
		_ = writeFileAtomic(m.path, append(b, '\n'), 0o644)
	}
}
