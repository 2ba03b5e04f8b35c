// Package approot keeps kiln's file operations on a tree it does not trust
// (the app, an unpacked archive) inside that tree: a symbolic link the tree
// contains, or a chain of them, must not take a read, a write or a removal
// outside it.
//
// Resolve and Check follow links the way the kernel does, component by
// component against what is on disk, with one rule: an absolute target, or
// a ".." that climbs above the tree, leaves it. The file operations go
// through os.Root, which applies the same rule while it opens each
// component, and explain a refusal with the link that leads out.
package approot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxLinks is how many links one resolution follows before it gives up, as
// the kernel's ELOOP does.
const maxLinks = 40

// EscapeError says that a path inside a tree leads outside it.
type EscapeError struct {
	// Root is the tree.
	Root string
	// Path is the path asked for, relative to Root (slash-separated).
	Path string
	// Link is the symbolic link that leads outside, relative to Root;
	// empty when Path itself climbs out with "..".
	Link string
	// Target is Link's target, as stored in the link.
	Target string
	// Loop is set when the links of Path form a cycle (or a chain longer
	// than the kernel would follow).
	Loop bool
}

// Error implements error.
func (e *EscapeError) Error() string {
	switch {
	case e.Loop:
		return fmt.Sprintf("%s: too many levels of symbolic links (at %s)", e.Path, e.Link)
	case e.Link == "":
		return fmt.Sprintf("%s leads outside %s", e.Path, e.Root)
	case e.Link == e.Path:
		return fmt.Sprintf("%s is a symbolic link to %s, outside %s", e.Link, e.Target, e.Root)
	}
	return fmt.Sprintf("%s leads outside %s: %s is a symbolic link to %s", e.Path, e.Root, e.Link, e.Target)
}

// step is one path component waiting to be resolved, with the link whose
// target it comes from (empty for the path asked for).
type step struct {
	name         string
	link, target string
}

func split(p, link, target string) []step {
	var out []step
	for _, c := range strings.Split(filepath.ToSlash(p), "/") {
		if c != "" && c != "." {
			out = append(out, step{c, link, target})
		}
	}
	return out
}

// Resolve returns where rel, a path relative to root, leads once the links
// on its way are followed, relative to root and slash-separated ("." for
// root itself). The components that do not exist are taken as they are.
// A path that leaves root is an *EscapeError naming the link that leads
// out.
func Resolve(root, rel string) (string, error) {
	rel = filepath.ToSlash(rel)
	if path.IsAbs(rel) {
		return "", &EscapeError{Root: root, Path: rel}
	}
	var done []string
	todo := split(rel, "", "")
	links := 0
	for len(todo) > 0 {
		s := todo[0]
		todo = todo[1:]
		if s.name == ".." {
			if len(done) == 0 {
				return "", &EscapeError{Root: root, Path: rel, Link: s.link, Target: s.target}
			}
			done = done[:len(done)-1]
			continue
		}
		here := path.Join(append(done, s.name)...)
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(here)))
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, s.name)
			continue
		}
		target, err := os.Readlink(filepath.Join(root, filepath.FromSlash(here)))
		if err != nil {
			return "", fmt.Errorf("reading link %s: %w", here, err)
		}
		if links++; links > maxLinks {
			return "", &EscapeError{Root: root, Path: rel, Link: here, Target: target, Loop: true}
		}
		if filepath.IsAbs(target) {
			return "", &EscapeError{Root: root, Path: rel, Link: here, Target: target}
		}
		todo = append(split(target, here, target), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

// Check returns the first *EscapeError of rels, paths relative to root, or
// nil when each stays inside root.
func Check(root string, rels ...string) error {
	for _, rel := range rels {
		if _, err := Resolve(root, rel); err != nil {
			return err
		}
	}
	return nil
}

// do runs op on root opened as an os.Root, and turns a refusal into the
// *EscapeError that explains it.
func do(root, rel string, op func(r *os.Root, name string) error) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	name := filepath.FromSlash(rel)
	if err := op(r, name); err != nil {
		var esc *EscapeError
		if cerr := Check(root, rel); errors.As(cerr, &esc) {
			return esc
		}
		return err
	}
	return nil
}

// WriteFile writes data to rel inside root, creating its missing parent
// directories (0755).
func WriteFile(root, rel string, data []byte, perm fs.FileMode) error {
	return do(root, rel, func(r *os.Root, name string) error {
		if dir := filepath.Dir(name); dir != "." {
			if err := r.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		return r.WriteFile(name, data, perm)
	})
}

// ReadFile reads rel inside root.
func ReadFile(root, rel string) ([]byte, error) {
	var data []byte
	err := do(root, rel, func(r *os.Root, name string) error {
		var err error
		data, err = r.ReadFile(name)
		return err
	})
	return data, err
}

// RemoveAll removes rel inside root and what it contains (a link itself,
// not what it points to), like os.RemoveAll.
func RemoveAll(root, rel string) error {
	return do(root, rel, func(r *os.Root, name string) error { return r.RemoveAll(name) })
}

// Remove removes the file or empty directory rel inside root.
func Remove(root, rel string) error {
	return do(root, rel, func(r *os.Root, name string) error { return r.Remove(name) })
}
