package php

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	treecache "github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// runtimeStore keeps the repository runtimes (PHP and nginx) unpacked under
// CACHE_DIR/php/runtimes, one directory per name, version and archive
// checksum:
//
//	<name>-<version>-<sha256 prefix>/manifest.json   what the tree is
//	<name>-<version>-<sha256 prefix>/tree/           the unpacked archive
//	.staging-*                                       an entry being unpacked (removed when left over)
//
// An entry is unpacked under a staging name, manifest.json written last, and
// renamed into place: an entry with a manifest is complete.
//
// A warm build places the tree into the slug with hard links (see
// runtimeMutable for why that is safe and which files are copied instead)
// rather than unpacking the archive again: for PHP that is a few thousand
// links instead of gunzipping tens of megabytes. A rename would be cheaper
// still but would take the tree out of the cache; ext4 and most build
// filesystems have no reflinks.
type runtimeStore struct{ dir string }

// runtimeManifest is an entry's manifest.json.
type runtimeManifest struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	URL      string `json:"url"`
	Checksum string `json:"checksum"`
}

// runtimeMutable reports whether a file of a runtime tree (relative to its
// root) may be written in place, and so is copied into the slug rather than
// linked to the cache. The build writes into vendor/php only by unpacking
// extension packages over it, which removes each file before creating it
// (fetch.ExtractTar), so the linked files are replaced, never rewritten. What
// may be rewritten in place is configuration (etc/, nginx's conf/, *.ini,
// *.conf: an app's compile command may edit php.ini or php-fpm.conf) and
// what servers write at run time in their prefix (logs/, var/, tmp/, nginx's
// *_temp directories). Those are copied. Anything else rewritten in place by
// an app's own command (a `pecl install` copying over an existing .so) is
// caught on the next build: its modification time is then later than the
// manifest's (see find).
func runtimeMutable(rel string) bool {
	top, _, _ := strings.Cut(rel, "/")
	switch top {
	case "etc", "conf", "logs", "var", "tmp":
		return true
	}
	return strings.HasSuffix(top, "_temp") || strings.HasSuffix(rel, ".ini") || strings.HasSuffix(rel, ".conf")
}

func (s runtimeStore) entry(name, version string, sum fetch.Checksum) string {
	hexsum := fmt.Sprintf("%x", sum.Digest)
	if len(hexsum) > 16 {
		hexsum = hexsum[:16]
	}
	return filepath.Join(s.dir, name+"-"+version+"-"+sum.Algo+"-"+hexsum)
}

// find returns the tree of a complete, unmodified entry. A linked file
// rewritten in place through a slug gets a modification time later than
// the manifest's, which is written last (treecache.ModifiedAfter): the
// entry is then unpacked again rather than placed. When an entry exists
// but cannot be used, it is removed and the reason returned.
func (s runtimeStore) find(name, version string, sum fetch.Checksum) (tree string, reason string) {
	dir := s.entry(name, version, sum)
	manifest := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(manifest)
	if errors.Is(err, fs.ErrNotExist) {
		return "", ""
	}
	var m runtimeManifest
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err == nil && (m.Name != name || m.Version != version || m.Checksum != sum.String()) {
		err = fmt.Errorf("its manifest describes %s %s %s", m.Name, m.Version, m.Checksum)
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = os.Stat(manifest)
	}
	if err == nil {
		var rel string
		if rel, err = treecache.ModifiedAfter(filepath.Join(dir, "tree"), fi.ModTime()); err == nil && rel != "" {
			err = fmt.Errorf("%s was modified", filepath.ToSlash(rel))
		}
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Sprintf("the unpacked copy in the cache was not usable (%v)", err)
	}
	return filepath.Join(dir, "tree"), ""
}

// add makes a new entry whose tree fill unpacks (into a directory it
// creates), and returns the tree.
func (s runtimeStore) add(name, version, url string, sum fetch.Checksum, fill func(tree string) error) (string, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", s.dir, err)
	}
	s.removeLeftovers()
	staged, err := os.MkdirTemp(s.dir, ".staging-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(staged)
	tree := filepath.Join(staged, "tree")
	if err := fill(tree); err != nil {
		return "", err
	}
	m := runtimeManifest{Name: name, Version: version, URL: url, Checksum: sum.String()}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(staged, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	final := s.entry(name, version, sum)
	_ = os.RemoveAll(final)
	if err := os.Rename(staged, final); err != nil {
		return "", fmt.Errorf("storing the unpacked %s: %w", name, err)
	}
	return filepath.Join(final, "tree"), nil
}

// removeLeftovers deletes the staging directories of killed builds.
func (s runtimeStore) removeLeftovers() {
	treecache.RemoveLeftovers(s.dir, ".staging-")
}

// place makes dst a copy of tree: hard links, except runtimeMutable files.
func placeRuntime(tree, dst string) (int, error) {
	if err := os.RemoveAll(dst); err != nil {
		return 0, fmt.Errorf("clearing %s: %w", dst, err)
	}
	return treecache.CloneTree(tree, dst, nil, func(rel string) bool { return !runtimeMutable(rel) })
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
