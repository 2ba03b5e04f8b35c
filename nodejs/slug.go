package nodejs

import (
	"strings"
)

// slugExcludes are the parts of a Node.js distribution that the app does not
// need at runtime: documentation. (Its C headers are not even in the runtime
// cache: see nodejs/headers.)
func slugExcludes() []string {
	return []string{"share/doc", "share/man", "share/systemtap", "CHANGELOG.md", "README.md"}
}

// excluded reports whether rel (slash-separated, relative to the Node.js
// root) is or lies under one of the excluded paths.
func excluded(rel string, excludes []string) bool {
	for _, e := range excludes {
		if rel == e || strings.HasPrefix(rel, e+"/") {
			return true
		}
	}
	return false
}
