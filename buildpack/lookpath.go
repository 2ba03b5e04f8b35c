package buildpack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// LookPath finds an executable named file in the directories of path (a PATH
// value), without consulting the process environment.
func LookPath(file, path string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New(file + ": executable file not found in PATH")
}
