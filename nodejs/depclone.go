package nodejs

import (
	"path/filepath"
	"strings"

	treecache "github.com/kiln-dev/kiln/buildpack/cache"
)

// cloneTree recreates the dependency tree src at dst and returns the number
// of files it placed: hard links for the packages' code, copies of the
// files the build may rewrite in place (mutableFile). See
// treecache.CloneTree for why the links are safe.
func cloneTree(src, dst string) (int, error) { return clonePart(src, dst, "", nil) }

// clonePart is cloneTree for the part of a tree found at path at in it
// (slash-separated, "" for the whole tree), leaving out what skip reports;
// both it and mutableFile see paths relative to the whole tree.
func clonePart(src, dst, at string, skip func(rel string) bool) (int, error) {
	inTree := func(rel string) string {
		if at == "" {
			return rel
		}
		return at + "/" + rel
	}
	var skipRel func(string) bool
	if skip != nil {
		skipRel = func(rel string) bool { return skip(inTree(rel)) }
	}
	return treecache.CloneTree(src, dst, skipRel, func(rel string) bool { return !mutableFile(inTree(rel)) })
}

// mutableFile reports whether a file of a dependency tree (path relative to
// the tree's root) may be rewritten in place by the build, and so must be
// copied rather than linked. npm, Yarn and pnpm replace package files (write
// a new one, rename it over) or delete them (npm prune unlinks), but rewrite
// in place their own metadata, files directly in a node_modules or .pnpm
// directory (node_modules/.package-lock.json, .yarn-integrity, .modules.yaml,
// .yarn-state.yml, .pnpm/lock.yaml, which pruning rewrites); some tools,
// such as Angular's ngcc, edit package.json files; and tool caches live
// under .cache. Those are copied; everything else, the packages' code, is
// linked.
func mutableFile(rel string) bool {
	rel = filepath.ToSlash(rel)
	dir, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		dir, base = rel[:i], rel[i+1:]
	}
	parent := dir[strings.LastIndexByte(dir, '/')+1:]
	return base == "package.json" || dir == "" || parent == "node_modules" || parent == ".pnpm" ||
		strings.HasPrefix(rel, ".cache/") || strings.Contains(rel, "/.cache/")
}
