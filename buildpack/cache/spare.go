package cache

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
	p, err := StartSpare(path)
	if err != nil {
		return err
	}
	if err := fill(p.Dir()); err != nil {
		p.Abandon()
		return err
	}
	return p.Commit()
}

// A Partial is a spare built in several parts, by different hands: begun
// by StartSpare under a temporary name, filled by its callers (links,
// directories moved in), then put in place by Commit or thrown away by
// Abandon. Until Commit nothing of it is under the spare's name.
type Partial struct {
	path string // where the spare goes
	tmp  string // its temporary directory, next to path
}

// StartSpare begins a spare for path.
func StartSpare(path string) (*Partial, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(path), SparePrefix)
	if err != nil {
		return nil, err
	}
	return &Partial{path: path, tmp: tmp}, nil
}

// Dir is where the spare's tree is built; it does not exist at first.
func (p *Partial) Dir() string { return filepath.Join(p.tmp, "t") }

// Commit replaces the spare at path, if any, with this one.
func (p *Partial) Commit() error {
	defer os.RemoveAll(p.tmp)
	DiscardSpare(p.path)
	return os.Rename(p.Dir(), p.path)
}

// Abandon removes what was built.
func (p *Partial) Abandon() { _ = os.RemoveAll(p.tmp) }

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
