package nodejs

import (
	"fmt"
	"os"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// runtimeInfo describes an unpacked runtime of the cache: the key.json of
// its cache.NodeRuntime store.
type runtimeInfo struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Checksum string `json:"checksum"`
	Source   string `json:"source"`
	// Archive is the URL of the archive (for Node.js, which is extracted
	// without its headers: see package nodejs/headers).
	Archive string `json:"archive,omitempty"`
	// Verified is the packageManager hash the package was checked against.
	Verified string `json:"verified,omitempty"`
}

// runtimeStore is the store of the unpacked tool name at version
// (CACHE_DIR/runtimes/<name>-<version>).
func runtimeStore(cacheDir, name, version string) cache.Store {
	return cache.NodeRuntime(cacheDir, name+"-"+version)
}

// findRuntime opens the store of name at version in the cache cacheDir. It
// reports whether the store holds a complete tree of that version, and
// what its key.json says; a damaged store is dropped.
func findRuntime(cacheDir, name, version string) (cache.Store, runtimeInfo, bool) {
	st := runtimeStore(cacheDir, name, version)
	var info runtimeInfo
	r := st.Open(&info, func() ([]string, error) {
		if info.Name != name || info.Version != version {
			return nil, fmt.Errorf("its key.json describes %s %s", info.Name, info.Version)
		}
		return nil, nil
	})
	if r.Status == cache.Damaged {
		_ = st.Drop()
	}
	return st, info, r.Status == cache.Hit
}

// saveRuntime stores the tree fetch makes at the path it is given (which
// does not exist yet), with what fetch returns. fetchErr is fetch's error,
// as it came, so that the caller can try another source or blame the
// archive; err is a failure to store. Either way the previous save, if
// any, stays.
func saveRuntime(st cache.Store, fetch func(tree string) (runtimeInfo, error)) (fetchErr, err error) {
	_, err = st.Save(func(tree string) (any, int, error) {
		var info runtimeInfo
		info, fetchErr = fetch(tree)
		return info, 0, fetchErr
	}, nil)
	if fetchErr != nil {
		return fetchErr, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storing the unpacked %s: %w", st.Name, err)
	}
	return nil, nil
}

// placeRuntime makes dst a copy of the store's tree, leaving out the
// excluded paths (slash-separated, relative to the tree), by hard links:
// placing a 100 MB Node.js tree then costs one link per file instead of a
// full copy (see cache.NodeRuntime for why that is safe).
func placeRuntime(st cache.Store, dst string, excludes ...string) error {
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("clearing %s: %w", dst, err)
	}
	_, err := st.Clone(st.Tree(), dst, "", excluder(excludes))
	return err
}

// excluder reports the excluded paths and what is under them.
func excluder(excludes []string) func(rel string) bool {
	return func(rel string) bool { return excluded(rel, excludes) }
}
