package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
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

// Store is a keyed tree saved under Root, as the package documentation
// lays out. The policy (policy.go) makes the stores of the build cache;
// tests make others.
type Store struct {
	// Root is the directory the store lives in, such as CACHE_DIR/node.
	Root string
	// Name is the saved directory's name under Root, such as "deps".
	Name string
	// Noun names the saved tree in errors: "the saved dependencies".
	Noun string
	// copy reports which files of the tree are placed by copy (nil: none).
	copy func(rel string) bool
	// leave reports the paths of a placed tree the store never holds
	// (nil: none).
	leave func(rel string) bool
	// lock is the lock file of a store that builds share at the same time
	// (the entries of a shared runtime store); "" for none.
	lock string
}

// Lock takes the store's lock, shared to read its tree (place it, build a
// spare from it) or exclusive to save, drop or sweep it, and returns the
// function that releases it. A store that no two builds share at once (a
// store of CACHE_DIR) has no lock: Lock then does nothing. Taking the
// exclusive lock also removes what killed builds left of the store (its
// temporary directories), which no other build can be using then.
func (s Store) Lock(exclusive bool) (unlock func(), err error) {
	if s.lock == "" {
		return func() {}, nil
	}
	unlock, err = Lock(s.lock, exclusive)
	if err == nil && exclusive {
		s.sweep()
	}
	return unlock, err
}

// Dir is the saved directory: Root/Name.
func (s Store) Dir() string { return filepath.Join(s.Root, s.Name) }

// Tree is the saved tree: Root/Name/tree.
func (s Store) Tree() string { return filepath.Join(s.Dir(), "tree") }

// Copied reports whether the file at rel (slash separated, relative to the
// tree) is placed by copy rather than by hard link (see policy.go).
func (s Store) Copied(rel string) bool { return s.copy != nil && s.copy(rel) }

// Left reports whether the path rel (slash separated, relative to the
// tree) is one the store never holds (see policy.go).
func (s Store) Left(rel string) bool { return s.leave != nil && s.leave(rel) }

// Status is what opening a store found.
type Status int

const (
	// Miss: nothing is saved, or it was produced from other inputs
	// (Result.Changed names them).
	Miss Status = iota
	// Hit: the saved tree was produced from the inputs of this build.
	Hit
	// Damaged: the saved directory is unreadable, incomplete or
	// inconsistent (Result.Err says how); the build ignores it.
	Damaged
)

// Result is what Open found.
type Result struct {
	Status Status
	// Changed names the inputs that differ from the saved ones (a Miss;
	// empty when nothing is saved).
	Changed []string
	// Err is what is wrong with the saved directory (Damaged).
	Err error
}

// Open reads the saved manifest into m (a pointer, as for json.Unmarshal)
// and, when there is one, calls compare, which checks the saved tree
// against m (an error is damage) and names the inputs of m that differ
// from this build's (none: a hit).
func (s Store) Open(m any, compare func() (changed []string, err error)) Result {
	err := s.Load(m)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Result{Status: Miss}
	case err != nil:
		return Result{Status: Damaged, Err: err}
	}
	changed, err := compare()
	switch {
	case err != nil:
		return Result{Status: Damaged, Err: err}
	case len(changed) > 0:
		return Result{Status: Miss, Changed: changed}
	}
	return Result{Status: Hit}
}

// Clone recreates src at dst (which may exist: directories are merged
// into, files never overwritten) and returns the number of regular files
// it placed, by the store's policy: hard links, except the files the store
// copies (Copied), and without the paths it never holds (Left). at is
// where src sits in the store's tree (slash separated, "" for the whole
// tree): the policy sees paths relative to the tree. skip, when not nil,
// leaves out more (paths relative to the tree too). It serves both ways:
// from the app into a tree being saved, and from the saved tree (or a
// part of it) into the app or a spare. See CloneTree.
func (s Store) Clone(src, dst, at string, skip func(rel string) bool) (int, error) {
	inTree := func(rel string) string {
		if at == "" {
			return rel
		}
		return at + "/" + rel
	}
	var skipRel func(string) bool
	if skip != nil || s.leave != nil {
		skipRel = func(rel string) bool { r := inTree(rel); return s.Left(r) || (skip != nil && skip(r)) }
	}
	return CloneTree(src, dst, skipRel, func(rel string) bool { return !s.Copied(inTree(rel)) })
}

// Spare is the store's ready-made copy of its tree for variant ("" for
// the tree as saved; another variant for a copy that leaves paths out,
// such as a slug's excludes): Root/Name/spare or Root/Name/spare-<variant>.
// It lives in the saved directory, so a new save or a drop takes it along.
func (s Store) Spare(variant string) Spare {
	name := "spare"
	if variant != "" {
		name += "-" + variant
	}
	return Spare{Path: filepath.Join(s.Dir(), name)}
}

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

// Touch records that a build used the saved tree now: it sets the
// modification time of the saved directory (Dir), which tools listing and
// pruning a shared runtime store read as the entry's last use. Not the
// manifest's: that is when the save was completed (SavedAt), which the
// checks of trees placed by links compare files with. A failure is
// ignored (it only makes the entry look older).
func (s Store) Touch() {
	now := time.Now()
	_ = os.Chtimes(s.Dir(), now, now)
}

// Drop removes the saved directory. It is first moved aside with one
// rename, so that from then on nothing reaches it by its name: a build
// moving entries into a spare inside it at that moment sees the spare
// vanish, instead of racing with the removal. A killed build leaves it for
// Sweep.
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

// tempPrefix begins the names of the store's temporary directories in Root.
func (s Store) tempPrefix() string { return "." + s.Name + "-" }

func (s Store) newPrefix() string { return s.tempPrefix() + "new-" }
func (s Store) oldPrefix() string { return s.tempPrefix() + "old-" }

// temporaries lists, as glob patterns, the store's temporary directories:
// saves (in Root) and spares (in the saved directory).
func (s Store) temporaries() []string {
	return []string{filepath.Join(s.Root, s.tempPrefix()+"*"), filepath.Join(s.Dir(), SparePrefix+"*")}
}
