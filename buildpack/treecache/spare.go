package treecache

import (
	"errors"
	"os"
	"path/filepath"
)

// A spare is a ready-made copy of a saved tree, kept next to it, that a
// build takes with a rename instead of placing the tree file by file; the
// next spare is built in the background while the build goes on. Spares
// are built, claimed and discarded under temporary names (SparePrefix) in
// their directory, so a build killed at any moment leaves either a
// complete spare under its name or a leftover that RemoveSpareLeftovers
// deletes.

// SparePrefix names, in a spare's directory, spares being built, claimed
// or discarded.
const SparePrefix = ".spare-tmp-"

// ErrNoSpare is returned by ClaimSpare when there is no spare to take.
var ErrNoSpare = errors.New("no spare")

// ClaimSpare renames the spare at path to a temporary name next to it and
// returns that name: from then on no other build can take it, and if this
// one is killed the next removes it. The caller removes filepath.Dir of the
// returned path when done with it.
func ClaimSpare(path string) (string, error) {
	if _, err := os.Lstat(path); err != nil {
		return "", ErrNoSpare
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), SparePrefix)
	if err != nil {
		return "", err
	}
	claimed := filepath.Join(tmp, "t")
	if err := os.Rename(path, claimed); err != nil {
		_ = os.Remove(tmp)
		return "", ErrNoSpare
	}
	return claimed, nil
}

// DiscardSpare removes the spare at path, if any, without ever leaving a
// partial one under that name.
func DiscardSpare(path string) {
	if claimed, err := ClaimSpare(path); err == nil {
		_ = os.RemoveAll(filepath.Dir(claimed))
	}
}

// BuildSpare makes a new spare at path: fill creates it under a temporary
// name (the directory it is given does not exist yet), and only a complete
// one replaces the previous spare.
func BuildSpare(path string, fill func(dst string) error) error {
	tmp, err := os.MkdirTemp(filepath.Dir(path), SparePrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, "t")
	if err := fill(dst); err != nil {
		return err
	}
	DiscardSpare(path)
	return os.Rename(dst, path)
}

// RemoveSpareLeftovers deletes what killed builds left in dir while they
// built, claimed or discarded a spare.
func RemoveSpareLeftovers(dir string) { RemoveLeftovers(dir, SparePrefix) }

// RemoveLeftovers deletes the entries of dir whose names start with
// prefix: the temporary directories a killed build left behind.
func RemoveLeftovers(dir, prefix string) {
	matches, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
	for _, m := range matches {
		_ = os.RemoveAll(m)
	}
}
