package fetch

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Repack writes to w, as a gzip-compressed tar, the directories and regular
// files of the .tar.gz archive that keep selects, named prefix followed by
// their path once the first strip components are dropped. It serves a part
// of an archive (the C headers of a Node.js distribution, say) to a tool
// that wants it as an archive of its own, without extracting it to disk.
// Entries that could not be extracted safely (absolute paths, "..") are
// errors, as in an extraction; links and other entry types are left out.
// The archive is read as it is: the caller verifies it first (Fetcher.Get).
func Repack(archive string, strip int, keep Filter, prefix string, w io.Writer) error {
	in, closeArchive, err := openTarGz(archive)
	if err != nil {
		return err
	}
	defer closeArchive()
	// Headers compress 5:1 even at the fastest level, which costs a fifth
	// of the time of the default one.
	out, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(out)
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", filepath.Base(archive), err)
		}
		rel, ok := stripPath(hdr.Name, strip)
		if !ok {
			continue
		}
		if _, err := SafeJoin("/", rel); err != nil {
			return err
		}
		rel = filepath.ToSlash(filepath.Clean(rel))
		if rel == "." || (keep != nil && !keep(rel)) {
			continue
		}
		if hdr.Typeflag != tar.TypeDir && hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := prefix + rel
		if hdr.Typeflag == tar.TypeDir {
			name = strings.TrimSuffix(name, "/") + "/"
		}
		out := &tar.Header{Typeflag: hdr.Typeflag, Name: name, Mode: hdr.Mode & 0o777, Size: hdr.Size, ModTime: hdr.ModTime, Format: tar.FormatPAX}
		if hdr.Typeflag == tar.TypeDir {
			out.Size = 0
		}
		if err := tw.WriteHeader(out); err != nil {
			return fmt.Errorf("repacking %s: %w", rel, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := io.Copy(tw, tr); err != nil {
				return fmt.Errorf("repacking %s: %w", rel, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("repacking: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("repacking: %w", err)
	}
	return nil
}
