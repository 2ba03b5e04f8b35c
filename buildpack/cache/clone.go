package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CloneTree recreates the tree src at dst and returns the number of regular
// files it placed. It is how an installed dependency tree goes into the
// cache after an install and back into the app on a warm build, so it must
// be cheap and it must not let the build corrupt the cache.
//
// The build filesystems (ext4 and most others) have no reflinks, so "cheap"
// means hard links: linking 40,000 files takes a fraction of a second where
// copying hundreds of megabytes takes seconds. A hard link shares the file
// with the cache, so a program that rewrote a linked file in place (open,
// truncate, write the same inode) would change the cached copy too.
// Package managers and build tools replace files instead (write a new one
// and rename it over it, or delete and unpack again) or delete them, which
// leaves the cache's link intact, and so does an app that edits a file with
// sed -i, patch or cp to a new name. The exceptions rewrite in place: the
// package managers' own metadata and generated files (npm's
// node_modules/.package-lock.json, which pruning rewrites; Composer's
// autoloader and vendor/composer/, written with file_put_contents), package
// manifests some tools edit, tool caches. Those must be copied, and only the
// caller knows which they are: link reports, for a path relative to src
// (slash separated), whether it may be hard-linked (the stores' copy rules
// are in policy.go, applied by Store.Clone); a nil link copies everything.
//
// Directories are created, or merged into when they exist (a vendor/ that
// already holds runtimes). Symlinks (node_modules/.bin, workspaces, pnpm's
// layout, vendor/bin) are recreated as they are; sockets and fifos are left
// out. A file that already exists at dst is an error: nothing is
// overwritten. When a link fails for another reason (src and dst on
// different filesystems, no link support), that file and every later one
// are copied, with their permissions and modification times. skip, when
// not nil, leaves paths (relative to src, slash separated) out, with
// everything under them.
func CloneTree(src, dst string, skip, link func(rel string) bool) (int, error) {
	files := 0
	linking := link != nil
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && skip != nil && skip(rel) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case !d.Type().IsRegular():
			return nil
		}
		files++
		if linking && link(rel) {
			err := os.Link(p, target)
			if err == nil {
				return nil
			}
			if errors.Is(err, fs.ErrExist) {
				return err
			}
			linking = false // another filesystem, or no link support: copy from now on
		}
		return copyFile(p, target)
	})
	if err != nil {
		return files, fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	return files, nil
}

// copyFile copies a regular file to a new file with its permissions and
// modification time. On Linux io.Copy between files uses copy_file_range,
// which the kernel may turn into a reflink.
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
