// Package treecache keeps a directory tree in the build cache together with
// the key it was produced from, saved atomically so that a build killed at
// any moment leaves either a complete save or none, and places trees by hard
// links where that is safe (see CloneTree).
//
// The ecosystems decide what goes into a tree, which of its files may be
// linked and what the key is made of; this package only stores, swaps,
// reads back and clones.
package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ManifestFile is the name of the manifest (the key and what the ecosystem
// records with it) next to the saved tree.
const ManifestFile = "key.json"

// ErrNoManifest is returned by Store.Load when the saved directory exists
// without its manifest: a save that did not complete, or a damaged cache.
var ErrNoManifest = errors.New("the saved tree has no " + ManifestFile)

// Hook, when not nil, is called at each point of a save where a killed build
// would leave the cache in a distinct state: "staged" (the new save is
// complete under its temporary name, the previous one still in place) and
// "swapped-out" (the previous save has been moved aside, the new one not yet
// in place). An error aborts the save there as a kill would. Tests use it.
type Hook func(point string) error

// Store is a keyed tree saved under Root:
//
//	<Name>/key.json       the manifest, written last
//	<Name>/tree/          the saved tree
//	.<Name>-new-*, .<Name>-old-*
//	                      a save in progress, or what a killed one left
//	                      (see RemoveLeftovers)
//
// A save builds the new <Name> directory under a temporary name, the
// manifest last, then swaps it in with two renames: <Name> is at every
// moment the previous complete save, the new complete save, or absent
// (killed between the renames). A restore reads the manifest first (Load),
// so a tree is only used together with the key it was produced from.
type Store struct {
	// Root is the directory the store lives in, such as CACHE_DIR/node.
	Root string
	// Name is the saved directory's name under Root, such as "deps"; the
	// temporary directories of a save are named after it.
	Name string
	// Noun names the saved tree in errors: "the saved dependencies".
	Noun string
}

// Dir is the saved directory: Root/Name.
func (s Store) Dir() string { return filepath.Join(s.Root, s.Name) }

// Tree is the saved tree: Root/Name/tree.
func (s Store) Tree() string { return filepath.Join(s.Dir(), "tree") }

// Load reads the saved manifest into m (a pointer, as for json.Unmarshal).
// An absent store is an error satisfying errors.Is(err, fs.ErrNotExist); a
// saved directory without a manifest is ErrNoManifest; an unreadable or
// unparsable manifest is another error. Whether the tree matches the
// manifest is for the caller to check.
func (s Store) Load(m any) error {
	b, err := os.ReadFile(filepath.Join(s.Dir(), ManifestFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, derr := os.Stat(s.Dir()); derr == nil {
				return ErrNoManifest
			}
		}
		return err
	}
	if err := json.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return nil
}

// Save stores a new tree with its manifest, replacing the previous save
// atomically, and returns the number of files fill reported. fill writes
// the tree at the path it is given (which does not exist yet; its parent
// does) and returns the manifest to store with it (encoded as indented
// JSON) and the number of files it placed. hook may be nil.
func (s Store) Save(fill func(tree string) (manifest any, files int, err error), hook Hook) (int, error) {
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return 0, fmt.Errorf("creating %s: %w", s.Root, err)
	}
	staged, err := os.MkdirTemp(s.Root, s.newPrefix())
	if err != nil {
		return 0, fmt.Errorf("creating %s: %w", s.Root, err)
	}
	defer os.RemoveAll(staged)
	m, n, err := fill(filepath.Join(staged, "tree"))
	if err != nil {
		return 0, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encoding %s: %w", ManifestFile, err)
	}
	if err := os.WriteFile(filepath.Join(staged, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return 0, fmt.Errorf("writing %s: %w", ManifestFile, err)
	}
	return n, s.swap(staged, hook)
}

// swap replaces the saved directory by staged.
func (s Store) swap(staged string, hook Hook) error {
	call := func(point string) error {
		if hook == nil {
			return nil
		}
		return hook(point)
	}
	if err := call("staged"); err != nil {
		return err
	}
	old := filepath.Join(s.Root, s.oldPrefix()+strings.TrimPrefix(filepath.Base(staged), s.newPrefix()))
	if err := os.Rename(s.Dir(), old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", s.Noun, err)
	}
	defer os.RemoveAll(old)
	if err := call("swapped-out"); err != nil {
		return err
	}
	if err := os.Rename(staged, s.Dir()); err != nil {
		return fmt.Errorf("replacing %s: %w", s.Noun, err)
	}
	return nil
}

// Drop removes the saved directory. It is first moved aside with one
// rename, so that from then on nothing reaches it by its name: a build
// moving entries into a spare inside it at that moment sees the spare
// vanish, instead of racing with the removal. A killed build leaves it for
// RemoveLeftovers.
func (s Store) Drop() error {
	aside, err := os.MkdirTemp(s.Root, s.oldPrefix())
	if err != nil {
		return fmt.Errorf("dropping %s: %w", s.Noun, err)
	}
	defer os.RemoveAll(aside)
	if err := os.Rename(s.Dir(), filepath.Join(aside, s.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dropping %s: %w", s.Noun, err)
	}
	return nil
}

// RemoveLeftovers deletes what killed saves left behind: the temporary
// directories of saves in progress and of replaced saves.
func (s Store) RemoveLeftovers() {
	for _, prefix := range []string{s.newPrefix(), s.oldPrefix()} {
		RemoveLeftovers(s.Root, prefix)
	}
}

func (s Store) newPrefix() string { return "." + s.Name + "-new-" }
func (s Store) oldPrefix() string { return "." + s.Name + "-old-" }
