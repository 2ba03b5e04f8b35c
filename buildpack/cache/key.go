package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Absent is the value a key records for an input the app does not have (a
// file, a manifest section).
const Absent = "absent"

// FileSum is the SHA-256 of a file's bytes in hex, or Absent when the file
// does not exist.
func FileSum(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Absent, nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// MapChanges lists, sorted and each between prefix and suffix, the names
// whose values differ between an old and a new map of key inputs, a name
// present in only one of them included.
func MapChanges(old, cur map[string]string, prefix, suffix string) []string {
	var out []string
	for k, v := range cur {
		if o, ok := old[k]; !ok || o != v {
			out = append(out, prefix+k+suffix)
		}
	}
	for k := range old {
		if _, ok := cur[k]; !ok {
			out = append(out, prefix+k+suffix)
		}
	}
	sort.Strings(out)
	return out
}
