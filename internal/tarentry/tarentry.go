// Package tarentry writes one file of a directory tree into a tar archive:
// regular files, directories and symbolic links, owned by root.
package tarentry

import (
	"archive/tar"
	"io"
	"os"
	"time"
)

// Add writes the file at path into tw as name, owned by uid/gid 0 with no
// user or group names. A zero mtime keeps the file's modification time;
// another one replaces it (and drops the access and change times), so
// that the same tree gives the same archive.
func Add(tw *tar.Writer, path, name string, mtime time.Time) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	link := ""
	if fi.Mode()&os.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name = name
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	if !mtime.IsZero() {
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = mtime, time.Time{}, time.Time{}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
