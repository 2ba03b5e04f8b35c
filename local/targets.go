package local

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/kiln-dev/kiln/buildpack"
)

// checkTargets refuses the places a build would write to when writing there
// would lose data or nest one build into the next: the slug output (a
// directory kiln replaces whole, or a tarball it overwrites) and the cache.
//
//   - Neither may be the app, contain it, or lie inside it, except under
//     APP/.kiln, which kiln owns and never copies into a build (a slug in
//     APP/out would be copied into the next slug, a cache in APP/x too).
//   - An existing output must be a kiln slug: a directory with the release
//     kiln writes (ReleaseFile), an empty directory, or a tarball holding
//     that release. Anything else is the user's and is never replaced.
//   - The output and the cache must not overlap.
//
// src (the tree a build copies: the app, or the root of the workspace it
// is a member of) and app are absolute; APP/.kiln above is then both
// src/.kiln and app/.kiln.
func checkTargets(src, app string, opts BuildOptions) error {
	src, app = resolvePath(src), resolvePath(app)
	var out string
	if opts.Tar != "" {
		abs, err := filepath.Abs(opts.Tar)
		if err != nil {
			return fmt.Errorf("resolving --tar %s: %w", opts.Tar, err)
		}
		out = resolveParent(abs)
		if err := checkPlace("--tar", opts.Tar, out, src, app); err != nil {
			return err
		}
		if err := checkTarball(opts.Tar, out); err != nil {
			return err
		}
	} else {
		abs, err := slugPath(app, opts)
		if err != nil {
			return fmt.Errorf("resolving --output %s: %w", opts.Output, err)
		}
		out = resolveParent(abs)
		name := opts.Output
		if name == "" {
			name = abs
		}
		if err := checkPlace("--output", name, out, src, app); err != nil {
			return err
		}
		if err := checkSlugDir(name, out); err != nil {
			return err
		}
	}
	if opts.NoCache || opts.CacheDir == "" {
		return nil // a throw-away cache, or the default one in the user's cache directory
	}
	abs, err := filepath.Abs(opts.CacheDir)
	if err != nil {
		return fmt.Errorf("resolving --cache %s: %w", opts.CacheDir, err)
	}
	cache := resolvePath(abs)
	if err := checkPlace("--cache", opts.CacheDir, cache, src, app); err != nil {
		return err
	}
	if within(out, cache) || within(cache, out) {
		return buildpack.Userf("--cache %s and the slug output %s overlap: replacing the slug would delete the cache, or the cache would end up in the slug", opts.CacheDir, out).
			WithHint("Give the cache and the output separate directories.")
	}
	return nil
}

// checkPlace refuses a target (flag given as name, resolved to path) that
// is the tree a build copies (src), contains it, or lies inside it outside
// src/.kiln and app/.kiln.
func checkPlace(flag, name, path, src, app string) error {
	const hint = "Choose a directory outside the app (or under APP/.kiln, which builds leave out)."
	switch {
	case path == src:
		return buildpack.Userf("%s %s is the app directory itself: the build would overwrite your app", flag, name).WithHint(hint)
	case within(src, path):
		return buildpack.Userf("%s %s contains the app directory %s: the build would overwrite it", flag, name, src).WithHint(hint)
	case within(path, src) && !within(path, filepath.Join(src, ".kiln")) && !within(path, filepath.Join(app, ".kiln")):
		return buildpack.Userf("%s %s is inside the app directory %s: every build would copy it into the next one", flag, name, src).WithHint(hint)
	}
	return nil
}

// checkSlugDir refuses to replace path unless it is missing, an empty
// directory or a kiln slug.
func checkSlugDir(name, path string) error {
	const hint = "kiln replaces its output whole; give a new or empty directory, or remove this one yourself if you no longer need it."
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking --output %s: %w", name, err)
	}
	if !fi.IsDir() {
		return buildpack.Userf("--output %s exists and is not a directory", name).WithHint(hint)
	}
	if _, err := os.Lstat(filepath.Join(path, ReleaseFile)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("checking --output %s: %w", name, err)
	}
	if len(entries) > 0 {
		return buildpack.Userf("--output %s is not a kiln slug (it has no %s): kiln will not delete a directory it did not build", name, ReleaseFile).WithHint(hint)
	}
	return nil
}

// checkTarball refuses to overwrite path unless it is missing or a slug
// tarball kiln wrote (it holds the release: writeTarGz puts it first).
func checkTarball(name, path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking --tar %s: %w", name, err)
	}
	if fi.IsDir() {
		return buildpack.Userf("--tar %s is a directory; --tar takes the name of the file to write", name).
			WithHint(fmt.Sprintf("Give a file name, e.g. --tar %s, or use --output DIR for a slug directory.", filepath.Join(name, "slug.tar.gz")))
	}
	if !fi.Mode().IsRegular() || !isSlugTarball(path) {
		return buildpack.Userf("--tar %s exists and is not a kiln slug tarball (no %s in it): kiln will not overwrite a file it did not write", name, ReleaseFile).
			WithHint("Give a new file name, or remove this file yourself if you no longer need it.")
	}
	return nil
}

// isSlugTarball reports whether the gzipped tarball at path holds kiln's
// release file.
func isSlugTarball(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err != nil {
			return false // io.EOF: no release; anything else: not a tarball
		}
		if strings.TrimPrefix(hdr.Name, "./") == ReleaseFile {
			return true
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return false
		}
	}
}

// within reports whether path lies strictly inside dir (both clean and
// absolute).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolvePath returns the absolute path p with the symbolic links of its
// longest existing prefix resolved, so that two names of one directory
// compare equal.
func resolvePath(p string) string {
	p = filepath.Clean(p)
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// resolveParent resolves the links of p's parent but not of p itself: the
// output is replaced by name (a link there is moved aside, its target is
// left alone).
func resolveParent(p string) string {
	p = filepath.Clean(p)
	if filepath.Dir(p) == p {
		return p
	}
	return filepath.Join(resolvePath(filepath.Dir(p)), filepath.Base(p))
}
