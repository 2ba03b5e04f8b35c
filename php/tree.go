package php

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// cloneTree recreates the tree src at dst and returns the number of regular
// files it placed. Directories are created, or merged into when they exist
// (vendor/ already holds the runtimes when the dependencies are restored);
// symlinks are recreated as they are; regular files are hard-linked when
// link says so, and copied otherwise or when linking fails (another
// filesystem), from then on. skip leaves paths (relative to src, slash
// separated) out, with everything under them. A file that already exists at
// dst is an error: nothing is overwritten.
//
// Whether a hard link is safe is the caller's decision (see vendorMutable
// and runtimeMutable): a link shares the file with the cache, so a program
// that rewrote the slug's copy in place would rewrite the cache's too.
func cloneTree(src, dst string, skip, link func(rel string) bool) (int, error) {
	files := 0
	linking := true
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
		if linking && link != nil && link(rel) {
			err := os.Link(p, target)
			if err == nil {
				return nil
			}
			if os.IsExist(err) {
				return err
			}
			linking = false
		}
		return copyPreserving(p, target)
	})
	if err != nil {
		return files, fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	return files, nil
}

// copyPreserving copies a regular file to a new file with its permissions
// and modification time. On Linux io.Copy between files uses
// copy_file_range, which the kernel may turn into a reflink.
func copyPreserving(src, dst string) error {
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
