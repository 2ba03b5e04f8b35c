package nodejs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// runtimeMarker is written into a runtime tree of the cache once it is
// complete; its presence makes the tree usable.
const runtimeMarker = ".kiln-runtime.json"

// runtimeInfo describes a cached, extracted runtime.
type runtimeInfo struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Checksum string `json:"checksum"`
	Source   string `json:"source"`
	// Archive is the URL of the archive (for Node.js, which is extracted
	// without its headers: see headers.go).
	Archive string `json:"archive,omitempty"`
	// Verified is the packageManager hash the package was checked against.
	Verified string `json:"verified,omitempty"`
}

// runtimeStore keeps extracted runtimes keyed by name, version and checksum
// of the archive they came from.
type runtimeStore struct{ dir string }

// find returns a complete tree for name@version, if any.
func (s runtimeStore) find(name, version string) (string, runtimeInfo, bool) {
	matches, _ := filepath.Glob(filepath.Join(s.dir, name+"-"+version+"-*", runtimeMarker))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		var info runtimeInfo
		if err == nil && json.Unmarshal(b, &info) == nil && info.Version == version {
			return filepath.Dir(m), info, true
		}
	}
	return "", runtimeInfo{}, false
}

// removeLeftovers deletes the staging directories of builds killed while
// they extracted or stored a runtime (a build's own staging directories are
// committed or removed before it ends; one build uses a cache at a time).
func (s runtimeStore) removeLeftovers() {
	treecache.RemoveLeftovers(s.dir, ".staging-")
}

// staging returns a fresh directory in the store to build a tree in.
func (s runtimeStore) staging() (string, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", fmt.Errorf("creating runtime store: %w", err)
	}
	return os.MkdirTemp(s.dir, ".staging-")
}

// commit marks the staged tree complete and moves it to its final name.
func (s runtimeStore) commit(staged string, info runtimeInfo) (string, error) {
	b, _ := json.Marshal(info)
	if err := os.WriteFile(filepath.Join(staged, runtimeMarker), b, 0o644); err != nil {
		return "", fmt.Errorf("writing runtime marker: %w", err)
	}
	sum := strings.NewReplacer(":", "-").Replace(info.Checksum)
	if len(sum) > 30 {
		sum = sum[:30]
	}
	final := filepath.Join(s.dir, info.Name+"-"+info.Version+"-"+sum)
	_ = os.RemoveAll(final)
	if err := os.Rename(staged, final); err != nil {
		return "", fmt.Errorf("storing runtime: %w", err)
	}
	return final, nil
}

// placeTree makes dst a copy of src, leaving out the excluded paths
// (slash-separated, relative to src). Files are hard-linked when both are on
// the same filesystem: placing a 100 MB Node.js tree then costs one link per
// file instead of a full copy (no rename: the cache keeps its tree for the
// next build; no reflink: ext4 and most build filesystems have none). That is
// safe because nothing the build runs rewrites Node.js files in place (npm,
// Yarn and pnpm write new files and rename them), and the cache copy is never
// modified after its marker is written. Across filesystems it copies (see
// treecache.CloneTree).
func placeTree(src, dst string, excludes ...string) error {
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("clearing %s: %w", dst, err)
	}
	return linkTree(src, dst, excludes...)
}

// linkTree recreates src at the new directory dst with directories,
// symlinks and hard links, leaving out the runtime marker and the excluded
// paths.
func linkTree(src, dst string, excludes ...string) error {
	skip := func(rel string) bool { return rel == runtimeMarker || excluded(rel, excludes) }
	_, err := treecache.CloneTree(src, dst, skip, func(string) bool { return true })
	return err
}
