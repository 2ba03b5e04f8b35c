package local

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ignoreRules decide which files of an app are left out of a build: .git and
// kiln's own .kiln directory always, plus the patterns of .slugignore.
//
// .slugignore patterns follow the usual ignore-file shape: one per line, "#"
// starts a comment, a pattern containing "/" is matched against the path from
// the app root (a leading "/" anchors it explicitly), a pattern without "/"
// matches a file or directory name at any depth, and a trailing "/" restricts
// it to directories. Negation ("!") is not supported, as on the reference
// platform.
type ignoreRules struct {
	patterns []ignorePattern
}

type ignorePattern struct {
	glob     string
	anchored bool
	dirOnly  bool
}

func loadIgnoreRules(appDir string) (ignoreRules, error) {
	var r ignoreRules
	f, err := os.Open(filepath.Join(appDir, ".slugignore"))
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		p := ignorePattern{}
		if strings.HasSuffix(line, "/") {
			p.dirOnly = true
			line = strings.TrimSuffix(line, "/")
		}
		if strings.Contains(line, "/") {
			p.anchored = true
			line = strings.TrimPrefix(line, "/")
		}
		p.glob = line
		r.patterns = append(r.patterns, p)
	}
	return r, sc.Err()
}

// ignored reports whether rel (slash-separated, relative to the app root)
// stays out of the build.
func (r ignoreRules) ignored(rel string, isDir bool) bool {
	if rel == ".git" || rel == ".kiln" {
		return true
	}
	base := path.Base(rel)
	for _, p := range r.patterns {
		if p.dirOnly && !isDir {
			continue
		}
		subject := base
		if p.anchored {
			subject = rel
		}
		if ok, _ := path.Match(p.glob, subject); ok {
			return true
		}
	}
	return false
}
