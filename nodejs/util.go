package nodejs

import (
	"os"
	"path/filepath"
	"strings"
)

func trimSpace(s string) string { return strings.TrimSpace(s) }

// fileExists reports whether dir/name is a regular file.
func fileExists(dir, name string) bool {
	fi, err := os.Stat(filepath.Join(dir, name))
	return err == nil && fi.Mode().IsRegular()
}

// dirExists reports whether dir/name is a directory.
func dirExists(dir, name string) bool {
	fi, err := os.Stat(filepath.Join(dir, name))
	return err == nil && fi.IsDir()
}

// readTrim returns the trimmed content of dir/name, or "" when unreadable.
func readTrim(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// majorOf returns the leading number of a version or range ("11.6.2" → 11,
// "^10.2" → 10, "v22" → 22), or -1 when there is none.
func majorOf(v string) int {
	v = strings.TrimLeft(strings.TrimSpace(v), "^~=v<> ")
	n, digits := 0, 0
	for _, r := range v {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		digits++
	}
	if digits == 0 {
		return -1
	}
	return n
}
