package depcache

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack/cache"
)

// The saved dependency tree is the cache.NodeModules store,
// CACHE_DIR/node/deps:
//
//	deps/key.json          the Key it was installed with, and the tree's directories
//	deps/tree/<dir>        node_modules, and the node_modules of workspace packages,
//	                       as the install left them (devDependencies included)
//	deps/spare/<dir>       a ready-made copy of the tree for the next restore
//
// A save replaces deps atomically and a restore reads deps/key.json first,
// so a tree is only used together with the key it was installed with (see
// package cache).

// manifest is the content of deps/key.json.
type manifest struct {
	Key Key `json:"key"`
	// Tree lists the saved directories, relative to the app.
	Tree []string `json:"tree"`
	// Bytes is the size of the tree's files, when the save knew it
	// (cache.Measure reads it instead of walking the tree).
	Bytes int64 `json:"bytes,omitempty"`
}

// check reports what makes the saved tree of m unusable: a directory that
// is not a node_modules directory of the app, or that the tree lacks.
func (m manifest) check(st cache.Store) error {
	for _, dir := range m.Tree {
		if !validTreeDir(dir) {
			return fmt.Errorf("key.json names %q, which is not a node_modules directory in the app", dir)
		}
		if _, err := os.Stat(filepath.Join(st.Tree(), filepath.FromSlash(dir))); err != nil {
			return fmt.Errorf("the saved tree lacks %s", dir)
		}
	}
	return nil
}

// validTreeDir accepts the app-relative node_modules directories a manifest
// may name.
func validTreeDir(dir string) bool {
	return filepath.ToSlash(filepath.Clean(dir)) == dir && !strings.HasPrefix(dir, "../") &&
		!filepath.IsAbs(dir) && (dir == "node_modules" || strings.HasSuffix(dir, "/node_modules"))
}

// spare is where a ready-made copy of the tree waits for the next restore:
// deps/spare/<dir>.
func spare(st cache.Store) cache.Spare { return st.Spare("") }

// fillSpare links a new spare of the saved tree m at dst.
func fillSpare(st cache.Store, m manifest) func(dst string) error {
	return func(dst string) error {
		for _, dir := range m.Tree {
			target := filepath.Join(dst, filepath.FromSlash(dir))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if _, err := st.Clone(filepath.Join(st.Tree(), filepath.FromSlash(dir)), target, dir, nil); err != nil {
				return err
			}
		}
		return nil
	}
}

// restore places the saved tree into app and returns the number of files.
// Nothing of the tree may exist in the app yet; on failure, what was placed
// is removed again.
func restore(st cache.Store, app string, m manifest) (int, error) {
	for _, dir := range m.Tree {
		if _, err := os.Lstat(filepath.Join(app, filepath.FromSlash(dir))); err == nil {
			return 0, fmt.Errorf("%s already exists in the app", dir)
		}
	}
	total := 0
	for i, dir := range m.Tree {
		dst := filepath.Join(app, filepath.FromSlash(dir))
		if (cache.Spare{Path: filepath.Join(spare(st).Path, filepath.FromSlash(dir))}).Take(dst) {
			continue
		}
		err := os.MkdirAll(filepath.Dir(dst), 0o755)
		n := 0
		if err == nil {
			n, err = st.Clone(filepath.Join(st.Tree(), filepath.FromSlash(dir)), dst, dir, nil)
		}
		if err != nil {
			for _, placed := range m.Tree[:i+1] {
				_ = os.RemoveAll(filepath.Join(app, filepath.FromSlash(placed)))
			}
			return 0, err
		}
		total += n
	}
	return total, nil
}

// save stores the trees of app (see findTrees) with their key, replacing
// the previous save atomically. It returns the number of files saved.
func save(st cache.Store, app string, key Key, trees []string, hook cache.Hook) (int, error) {
	return st.Save(func(tree string) (any, int, error) {
		total := 0
		for _, dir := range trees {
			dst := filepath.Join(tree, filepath.FromSlash(dir))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, 0, err
			}
			n, err := st.Clone(filepath.Join(app, filepath.FromSlash(dir)), dst, dir, nil)
			if err != nil {
				return nil, 0, err
			}
			total += n
		}
		return manifest{Key: key, Tree: trees}, total, nil
	}, hook)
}

// findTrees lists the node_modules directories an install left in app: the
// root one and those of workspace packages (up to four levels down, outside
// node_modules and hidden directories).
func findTrees(app string) []string {
	var out []string
	_ = filepath.WalkDir(app, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(app, path)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".":
			return nil
		case d.Name() == "node_modules":
			out = append(out, rel)
			return fs.SkipDir
		case strings.HasPrefix(d.Name(), ".") || d.Name() == "bower_components" || strings.Count(rel, "/") >= 3:
			return fs.SkipDir
		}
		return nil
	})
	return out
}
