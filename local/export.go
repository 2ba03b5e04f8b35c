package local

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	cp "github.com/otiai10/copy"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/classic"
	"github.com/kiln-dev/kiln/internal/tarentry"
)

// exportSlug moves the built directory to its final place (or writes the
// tarball) and returns that place and the slug's size in bytes. The previous
// slug is replaced only once the new one is complete.
func exportSlug(app, buildDir string, opts BuildOptions) (string, int64, error) {
	discard := opts.Discard
	if discard == nil {
		discard = removeNow
	}
	size, err := readableSlug(buildDir)
	if err != nil {
		return "", 0, err
	}
	if opts.Tar != "" {
		out, err := filepath.Abs(opts.Tar)
		if err != nil {
			return "", 0, err
		}
		return out, size, writeTarGz(buildDir, out)
	}
	out, err := slugPath(app, opts)
	if err != nil {
		return "", 0, err
	}
	return out, size, replaceDir(buildDir, out, discard)
}

// slugPath is where a directory slug goes: --output, else APP/.kiln/slug.
func slugPath(app string, opts BuildOptions) (string, error) {
	out := opts.Output
	if out == "" {
		out = filepath.Join(app, ".kiln", "slug")
	}
	return filepath.Abs(out)
}

// outputPath is where the slug goes: the tarball or the directory.
func outputPath(app string, opts BuildOptions) (string, error) {
	if opts.Tar != "" {
		return filepath.Abs(opts.Tar)
	}
	return slugPath(app, opts)
}

// partPrefix names a tarball being written next to the output, made of
// the output's own name so that the builds of two outputs in one directory
// never take each other's. (A directory slug is staged under a trash name:
// see replaceDir.)
func partPrefix(out string) string { return "." + filepath.Base(out) + ".part-" }

// lockOutput takes the lock of the build's output (a hidden file next to
// it), waiting for another build writing there unless opts.NoWait, and
// then removes what a killed build left there. It returns the release.
func lockOutput(app string, opts BuildOptions) (func(), error) {
	out, err := outputPath(app, opts)
	if err != nil {
		return nil, fmt.Errorf("resolving the output: %w", err)
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); notWritable(err) {
		return nil, slugNotWritable(out, err)
	} else if err != nil {
		return nil, fmt.Errorf("creating %s: %w", parent, err)
	}
	l, err := classic.Acquire(context.Background(), filepath.Join(parent, "."+filepath.Base(out)+".lock"),
		"the slug "+out, opts.NoWait, opts.Engine.Out)
	if err != nil {
		return nil, err
	}
	cache.RemoveTemporaries(parent, partPrefix(out))
	return func() { l.Release() }, nil
}

// notWritable reports whether err says a directory cannot be written: a
// read-only checkout or filesystem, or another user's directory.
func notWritable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// slugNotWritable is the error for a slug kiln cannot write at out.
func slugNotWritable(out string, err error) error {
	return buildpack.Userf("kiln cannot write the slug to %s: %v", out, err).
		WithHint("A read-only checkout or directory: build into a directory kiln can write with --output DIR, or into a tarball with --tar FILE.")
}

// replaceDir puts src at dst: by rename when both are on one filesystem,
// otherwise by copying next to dst first; then swaps it in, in one step
// where the system can exchange two directories (a build killed at any
// moment leaves the previous slug or the new one at dst, never none). It
// is staged under a trash name, so that what a killed build left is swept
// by the next one. The previous dst is handed to discard.
func replaceDir(src, dst string, discard Discarder) error {
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", parent, err)
	}
	staged, err := os.MkdirTemp(parent, trashPrefix)
	if err != nil {
		return fmt.Errorf("staging slug: %w", err)
	}
	if err := os.Remove(staged); err != nil {
		return err
	}
	if err := os.Rename(src, staged); err != nil {
		opts := cp.Options{OnSymlink: func(string) cp.SymlinkAction { return cp.Shallow }, PreserveTimes: true}
		if err := cp.Copy(src, staged, opts); err != nil {
			os.RemoveAll(staged)
			return fmt.Errorf("copying slug to %s: %w", parent, err)
		}
	}
	old := ""
	if _, err := os.Lstat(dst); err == nil {
		if exchangeDirs(staged, dst) == nil {
			// staged holds the previous slug now.
			return discardOld(staged, discard)
		}
		if old, err = moveToTrash(dst); err != nil {
			os.RemoveAll(staged)
			return fmt.Errorf("moving previous slug aside: %w", err)
		}
	}
	if err := os.Rename(staged, dst); err != nil {
		if old != "" {
			_ = os.Rename(old, dst)
		}
		os.RemoveAll(staged)
		return fmt.Errorf("placing slug at %s: %w", dst, err)
	}
	if old != "" {
		return discardOld(old, discard)
	}
	return nil
}

// discardOld hands the slug a new one replaced to discard.
func discardOld(old string, discard Discarder) error {
	if err := discard(old); err != nil {
		// The new slug is in place; a leftover is swept by the next build.
		_ = removeNow(old)
	}
	return nil
}

func writeTarGz(dir, out string) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), partPrefix(out)+"*")
	if err != nil {
		return fmt.Errorf("creating %s: %w", out, err)
	}
	defer os.Remove(tmp.Name())
	// A slug is read by whoever runs it, not only by who built it.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("creating %s: %w", out, err)
	}
	gz := gzip.NewWriter(tmp)
	tw := tar.NewWriter(gz)
	// The release goes first: it marks the tarball as a kiln slug, which
	// the next build checks before overwriting it (checkTarball).
	first := []string{filepath.Dir(ReleaseFile), ReleaseFile}
	for _, rel := range first {
		if err == nil {
			err = addTarEntry(tw, filepath.Join(dir, rel), "./"+filepath.ToSlash(rel))
		}
	}
	if err == nil {
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if rel == "." || rel == first[0] || rel == first[1] {
				return nil
			}
			return addTarEntry(tw, p, "./"+filepath.ToSlash(rel))
		})
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("writing slug tarball: %w", err)
	}
	return os.Rename(tmp.Name(), out)
}

func addTarEntry(tw *tar.Writer, path, name string) error {
	return tarentry.Add(tw, path, name, time.Time{})
}

// readableSlug makes the slug in dir runnable by any user, as the
// platform's slug tarballs are (a slug built as root is often run as
// another user): directories get mode 0755 at least, and a file gets
// group and other read (execute) permission where its owner has read
// (execute). It returns the total size of the regular files.
func readableSlug(dir string) (int64, error) {
	var total atomic.Int64
	fix := func(path string, fi fs.FileInfo) error {
		mode := fi.Mode()
		want := mode.Perm()
		switch {
		case mode.IsDir():
			want |= 0o755
		case mode.IsRegular():
			total.Add(fi.Size())
			if want&0o400 != 0 {
				want |= 0o044
			}
			if want&0o100 != 0 {
				want |= 0o011
			}
		default:
			return nil
		}
		if want == mode.Perm() {
			return nil
		}
		return os.Chmod(path, want|mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
	}
	root, err := os.Lstat(dir)
	if err == nil {
		err = fix(dir, root)
	}
	if err == nil {
		err = cache.WalkParallel(dir, cache.WalkWorkers, func(path string, d fs.DirEntry) error {
			if !d.IsDir() && !d.Type().IsRegular() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return fix(path, fi)
		})
	}
	if err != nil {
		return 0, fmt.Errorf("making the slug readable: %w", err)
	}
	return total.Load(), nil
}
