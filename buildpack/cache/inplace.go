package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SavedAt is when the current save was completed: the modification time of
// its manifest, which Save writes last. Every file of a saved tree is older.
func (s Store) SavedAt() (time.Time, error) {
	fi, err := os.Stat(filepath.Join(s.Dir(), ManifestFile))
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

// Visitor, when not nil, is shown every entry a check walks (see
// Store.CheckSharedSince), by its path relative to the tree (slash
// separated), from several goroutines at once.
type Visitor func(rel string, d fs.DirEntry)

// modifiedAfter returns the path, relative to tree, of a regular file of
// tree modified after t, or "" when there is none; visit, when not nil, is
// shown every entry it walks.
//
// A tree placed by hard links shares its files with the app it was placed
// into: a program that rewrites one of them in place (instead of writing a
// new file and renaming it, as package managers do) changes the saved copy
// too. Such a write moves the file's modification time past the time of the
// save, which is what this detects, so that the ecosystem can drop the save
// instead of handing the modified file to the next build. One stat per
// file, a few at a time (WalkParallel): 50-70 ms for 20,000 files here.
func modifiedAfter(tree string, t time.Time, visit Visitor) (string, error) {
	var mu sync.Mutex
	found := ""
	prefix := tree + string(filepath.Separator)
	err := WalkParallel(tree, WalkWorkers, func(path string, d fs.DirEntry) error {
		if visit != nil {
			visit(filepath.ToSlash(strings.TrimPrefix(path, prefix)), d)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.ModTime().After(t) {
			mu.Lock()
			found, _ = filepath.Rel(tree, path)
			mu.Unlock()
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("checking %s: %w", tree, err)
	}
	return found, nil
}

// CheckShared drops the save when a file of its tree was modified after the
// save (see modifiedAfter) and returns that file, relative to the tree. It
// returns "" when the save is intact or absent.
// visit, when not nil, is shown the entries of the tree as the check walks
// them (all of them when the save is intact).
func (s Store) CheckShared(visit Visitor) (string, error) {
	saved, err := s.SavedAt()
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.CheckSharedSince(saved, visit)
}

// CheckSharedSince is CheckShared against t instead of the time of the
// save: for a save that went on while the build ran, t is the newest
// modification time its files had when they were listed.
func (s Store) CheckSharedSince(t time.Time, visit Visitor) (string, error) {
	if _, err := os.Stat(s.Tree()); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	rel, err := modifiedAfter(s.Tree(), t, visit)
	if err != nil || rel == "" {
		return "", err
	}
	if err := s.Drop(); err != nil {
		return rel, err
	}
	return rel, nil
}

// ModifiedSinceSave returns the path, relative to the tree, of a file of
// the saved tree modified after the save (see modifiedAfter), or "": for a
// store whose tree is placed by links and checked before each use rather
// than after each build.
func (s Store) ModifiedSinceSave() (string, error) {
	saved, err := s.SavedAt()
	if err != nil {
		return "", err
	}
	return modifiedAfter(s.Tree(), saved, nil)
}
