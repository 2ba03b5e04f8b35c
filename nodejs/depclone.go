package nodejs

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// cloneTree recreates the dependency tree src at dst and returns the number
// of files it placed. It is how node_modules goes into the cache after an
// install and back into the app on a warm build, so it must be cheap and it
// must not let the build corrupt the cache.
//
// The filesystem here (ext4 and most others) has no reflinks, so "cheap"
// means hard links: linking 40,000 files takes a fraction of a second where
// copying hundreds of megabytes takes seconds. A hard link shares the file
// with the cache, so a program that rewrote a linked file in place would
// change the cached copy too. Package managers and build tools replace
// files (write a new one, rename it over) or delete them (npm prune unlinks,
// which leaves the cache's link intact), with a few exceptions that rewrite
// in place: the package managers' own metadata (node_modules/.package-lock.json,
// .yarn-integrity, .modules.yaml, .yarn-state.yml, .pnpm/lock.yaml, which
// pruning rewrites), package.json files (which some tools, such as Angular's
// ngcc, edit), and tool caches under .cache. Those are copied; everything
// else, the packages' code, is linked. See mutableFile.
//
// Directories are created, symlinks (node_modules/.bin, workspaces, pnpm's
// layout) recreated as they are. Across filesystems linking fails and the
// whole tree is copied.
func cloneTree(src, dst string) (int, error) {
	files := 0
	link := true
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.Mkdir(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case !d.Type().IsRegular():
			return nil // sockets, fifos: not part of a package
		}
		files++
		if link && !mutableFile(rel) {
			err := os.Link(path, target)
			if err == nil {
				return nil
			}
			link = false // another filesystem, or no link support: copy from now on
		}
		return copyFile(path, target)
	})
	if err != nil {
		return files, fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	return files, nil
}

// mutableFile reports whether a file of a dependency tree (path relative to
// the tree's root) may be rewritten in place by the build, and so must be
// copied rather than linked: package managers' metadata (files directly in a
// node_modules or .pnpm directory), package.json files and anything under a
// .cache directory.
func mutableFile(rel string) bool {
	rel = filepath.ToSlash(rel)
	dir, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		dir, base = rel[:i], rel[i+1:]
	}
	parent := dir[strings.LastIndexByte(dir, '/')+1:]
	return base == "package.json" || dir == "" || parent == "node_modules" || parent == ".pnpm" ||
		strings.HasPrefix(rel, ".cache/") || strings.Contains(rel, "/.cache/")
}

// copyFile copies a regular file with its permissions and modification time.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, info.ModTime(), info.ModTime())
}
