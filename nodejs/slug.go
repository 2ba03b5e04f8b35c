package nodejs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// slugExcludes are the parts of a Node.js distribution that only the build
// may need: C headers for native add-ons (2,700 files, 65 MB) and
// documentation. They are not placed into the slug's Node.js at all, which
// makes the slug smaller and the placement faster; native builds find the
// headers in the complete distribution of the runtime cache, linked at
// $TMP/node-dist (NPM_CONFIG_NODEDIR).
func slugExcludes() []string {
	return []string{"include", "share/doc", "share/man", "share/systemtap", "CHANGELOG.md", "README.md"}
}

// nodeDistLink is the name, in the build's scratch directory, of the link to
// the complete Node.js distribution.
const nodeDistLink = "node-dist"

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

// linkNodeDist points $TMP/node-dist at the complete distribution.
func (c *compiler) linkNodeDist(tree string) error {
	link := filepath.Join(c.tmp, nodeDistLink)
	_ = os.Remove(link)
	if err := os.Symlink(tree, link); err != nil {
		return fmt.Errorf("linking the Node.js distribution: %w", err)
	}
	return nil
}
