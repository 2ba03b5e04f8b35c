package fetch

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ExtractTarGz unpacks a .tar.gz archive into dest, dropping the first strip
// path components of every entry. Entries that would land outside dest
// (absolute paths, "..", or links pointing out) are rejected.
func ExtractTarGz(archive, dest string, strip int) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("opening archive: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", filepath.Base(archive), err)
	}
	defer gz.Close()
	return ExtractTar(gz, dest, strip)
}

// ExtractTar unpacks a tar stream into dest; see ExtractTarGz.
func ExtractTar(r io.Reader, dest string, strip int) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dest, err)
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		rel, ok := stripPath(hdr.Name, strip)
		if !ok {
			continue
		}
		target, err := SafeJoin(dest, rel)
		if err != nil {
			return err
		}
		mode := os.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, mode|0o700); err != nil {
				return fmt.Errorf("creating %s: %w", rel, err)
			}
		case tar.TypeReg:
			if err := writeFile(target, tr, mode); err != nil {
				return fmt.Errorf("extracting %s: %w", rel, err)
			}
		case tar.TypeSymlink:
			link := hdr.Linkname
			resolved := link
			if !filepath.IsAbs(link) {
				resolved = filepath.Join(filepath.Dir(target), link)
			}
			if _, err := SafeJoin(dest, mustRel(dest, resolved)); err != nil || filepath.IsAbs(link) {
				return fmt.Errorf("archive entry %s links outside the destination (%s)", hdr.Name, link)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			_ = os.Remove(target)
			if err := os.Symlink(link, target); err != nil {
				return fmt.Errorf("creating link %s: %w", rel, err)
			}
		case tar.TypeLink:
			lrel, ok := stripPath(hdr.Linkname, strip)
			if !ok {
				return fmt.Errorf("archive entry %s: bad hard link %s", hdr.Name, hdr.Linkname)
			}
			src, err := SafeJoin(dest, lrel)
			if err != nil {
				return err
			}
			_ = os.Remove(target)
			if err := os.Link(src, target); err != nil {
				return fmt.Errorf("creating hard link %s: %w", rel, err)
			}
		default:
			// Devices, FIFOs and the like have no place in a runtime archive.
		}
	}
}

// SafeJoin joins rel onto base and fails when the result would escape base.
func SafeJoin(base, rel string) (string, error) {
	if filepath.IsAbs(rel) {
		return "", fmt.Errorf("path %q is absolute; it must be relative to %s", rel, base)
	}
	clean := filepath.Clean(rel)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q escapes %s", rel, base)
	}
	return filepath.Join(base, clean), nil
}

func mustRel(base, target string) string {
	r, err := filepath.Rel(base, target)
	if err != nil {
		return ".."
	}
	return r
}

func stripPath(name string, strip int) (string, bool) {
	name = strings.TrimPrefix(name, "./")
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if len(parts) <= strip {
		return "", false
	}
	return strings.Join(parts[strip:], "/"), true
}

func writeFile(path string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	_ = os.Remove(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
