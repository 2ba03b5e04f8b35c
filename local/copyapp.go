package local

import (
	"fmt"
	"os"
	"path/filepath"

	cp "github.com/otiai10/copy"
)

// copyApp copies the app into dest, leaving out what the ignore rules say
// and, for a workspace member built from its workspace root (appDir), the
// member's .kiln directory. Symbolic links are copied as links, never
// followed.
func copyApp(appDir, dest, member string) error {
	rules, err := loadIgnoreRules(appDir)
	if err != nil {
		return fmt.Errorf("reading .slugignore: %w", err)
	}
	opts := cp.Options{
		OnSymlink: func(string) cp.SymlinkAction { return cp.Shallow },
		Skip: func(info os.FileInfo, src, _ string) (bool, error) {
			rel, err := filepath.Rel(appDir, src)
			if err != nil || rel == "." {
				return false, err
			}
			rel = filepath.ToSlash(rel)
			if member != "" && rel == member+"/.kiln" {
				return true, nil
			}
			return rules.ignored(rel, info.IsDir()), nil
		},
		PreserveTimes: true,
	}
	if err := cp.Copy(appDir, dest, opts); err != nil {
		return fmt.Errorf("copying %s into the build directory: %w", appDir, err)
	}
	return nil
}
