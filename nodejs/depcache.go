package nodejs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// depCache is the saved dependency tree of the last install, under
// CACHE_DIR/node (a treecache.Store named deps):
//
//	deps/key.json          the depKey it was installed with, and the tree's directories
//	deps/tree/<dir>        node_modules, and the node_modules of workspace packages,
//	                       as the install left them (devDependencies included)
//	deps/spare/<dir>       a ready-made copy of the tree for the next restore
//	.deps-new-*, .deps-old-*
//	                       a save in progress, or what a killed one left (removed)
//
// A save replaces deps atomically and a restore reads deps/key.json first,
// so a tree is only used together with the key it was installed with (see
// treecache.Store).
type depCache struct{ root string }

// depManifest is the content of deps/key.json.
type depManifest struct {
	Key depKey `json:"key"`
	// Tree lists the saved directories, relative to the app.
	Tree []string `json:"tree"`
}

func (d depCache) store() treecache.Store {
	return treecache.Store{Root: d.root, Name: "deps", Noun: "the saved dependencies"}
}

func (d depCache) dir() string { return d.store().Dir() }

// spare is where a ready-made copy of the tree waits for the next restore
// (see spare.go): deps/spare/<dir>.
func (d depCache) spare() string { return filepath.Join(d.dir(), "spare") }

// fillSpare links a new spare of the saved tree at dst.
func (d depCache) fillSpare(m depManifest) func(dst string) error {
	return func(dst string) error {
		for _, dir := range m.Tree {
			target := filepath.Join(dst, filepath.FromSlash(dir))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if _, err := cloneTree(filepath.Join(d.store().Tree(), filepath.FromSlash(dir)), target); err != nil {
				return err
			}
		}
		return nil
	}
}

// load returns the saved manifest. An absent cache is fs.ErrNotExist; an
// unreadable or inconsistent one is another error.
func (d depCache) load() (depManifest, error) {
	var m depManifest
	if err := d.store().Load(&m); err != nil {
		return m, err
	}
	for _, dir := range m.Tree {
		if !validTreeDir(dir) {
			return m, fmt.Errorf("key.json names %q, which is not a node_modules directory in the app", dir)
		}
		if _, err := os.Stat(filepath.Join(d.store().Tree(), filepath.FromSlash(dir))); err != nil {
			return m, fmt.Errorf("the saved tree lacks %s", dir)
		}
	}
	return m, nil
}

// validTreeDir accepts the app-relative node_modules directories a manifest
// may name.
func validTreeDir(dir string) bool {
	return filepath.ToSlash(filepath.Clean(dir)) == dir && !strings.HasPrefix(dir, "../") &&
		!filepath.IsAbs(dir) && (dir == "node_modules" || strings.HasSuffix(dir, "/node_modules"))
}

// restore places the saved tree into app and returns the number of files.
// Nothing of the tree may exist in the app yet; on failure, what was placed
// is removed again.
func (d depCache) restore(app string, m depManifest) (int, error) {
	for _, dir := range m.Tree {
		if _, err := os.Lstat(filepath.Join(app, filepath.FromSlash(dir))); err == nil {
			return 0, fmt.Errorf("%s already exists in the app", dir)
		}
	}
	total := 0
	for i, dir := range m.Tree {
		dst := filepath.Join(app, filepath.FromSlash(dir))
		if takeSpare(filepath.Join(d.spare(), filepath.FromSlash(dir)), dst) {
			continue
		}
		err := os.MkdirAll(filepath.Dir(dst), 0o755)
		n := 0
		if err == nil {
			n, err = cloneTree(filepath.Join(d.store().Tree(), filepath.FromSlash(dir)), dst)
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
func (d depCache) save(app string, key depKey, trees []string, hook treecache.Hook) (int, error) {
	return d.store().Save(func(tree string) (any, int, error) {
		total := 0
		for _, dir := range trees {
			dst := filepath.Join(tree, filepath.FromSlash(dir))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, 0, err
			}
			n, err := cloneTree(filepath.Join(app, filepath.FromSlash(dir)), dst)
			if err != nil {
				return nil, 0, err
			}
			total += n
		}
		return depManifest{Key: key, Tree: trees}, total, nil
	}, hook)
}

// removeLeftovers deletes what killed saves and spares left behind.
func (d depCache) removeLeftovers() {
	treecache.RemoveSpareLeftovers(d.dir())
	d.store().RemoveLeftovers()
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
