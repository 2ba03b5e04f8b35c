// Package prune holds the part of kiln's npm devDependency pruning that
// reads a lockfile and a node_modules tree and decides, without running
// anything: which devDependencies of a v2+ lockfile can be moved out of
// node_modules before `npm prune --omit=dev` runs (a rename each instead of
// one unlink per file), which node_modules/.bin links went with them, and
// when npm prune has nothing left to do.
//
// Once the devDependencies are moved out, npm prune often has nothing left
// to do but rewrite node_modules/.package-lock.json without them, and costs
// its start and a read of the whole tree (0.5 s on a small app, 2 s on a
// large one). It can be skipped when npm would change nothing else:
// node_modules holds exactly the production packages of the lockfile, at
// their versions (Leftovers), and the hidden lockfile lists exactly what is
// installed once the moved packages are taken out of it (HiddenLockfile,
// which cuts the moved entries out of the text npm wrote with
// JSON.stringify(…, 2)). Any doubt leaves the work to npm prune.
//
// The package owns these lockfile readers and node_modules checks; when to
// prune, where moved packages go and running npm are the Node.js
// compiler's business.
package prune

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// PlainTree reports whether every package of a v2+ lockfile sits under
// node_modules and none is a link (workspaces and file: dependencies are
// left to npm).
func PlainTree(lock []byte) bool {
	plain := true
	gjson.GetBytes(lock, "packages").ForEach(func(key, p gjson.Result) bool {
		k := key.String()
		if k != "" && (!strings.HasPrefix(k, "node_modules/") || p.Get("link").Bool()) {
			plain = false
		}
		return plain
	})
	return plain
}

// DevDirs lists the directories, relative to the app, of the lockfile's
// devDependencies, outermost first and without those inside another listed
// one (they go with it).
func DevDirs(lock []byte) []string {
	var dirs []string
	gjson.GetBytes(lock, "packages").ForEach(func(key, p gjson.Result) bool {
		k := key.String()
		if strings.HasPrefix(k, "node_modules/") && p.Get("dev").Bool() && !p.Get("link").Bool() && path.Clean(k) == k {
			dirs = append(dirs, k)
		}
		return true
	})
	sort.Strings(dirs) // a directory sorts before what is inside it
	var out []string
	for _, d := range dirs {
		if n := len(out); n > 0 && strings.HasPrefix(d, out[n-1]+"/") {
			continue
		}
		out = append(out, d)
	}
	return out
}

// RemoveBinLinks removes the node_modules/.bin entries (at every level)
// that link into the moved package directories, given relative to app, as
// npm prune would have. Emptied @scope directories stay, as npm prune
// leaves them.
func RemoveBinLinks(app string, moved []string) {
	gone := map[string]bool{}
	bins := map[string]bool{}
	for _, rel := range moved {
		gone[rel] = true
		nm := rel[:strings.LastIndex(rel, "node_modules/")+len("node_modules")]
		bins[nm+"/.bin"] = true
	}
	within := func(target string) bool {
		for p := target; p != "." && p != "/" && p != ""; p = path.Dir(p) {
			if gone[p] {
				return true
			}
		}
		return false
	}
	for bin := range bins {
		entries, err := os.ReadDir(filepath.Join(app, filepath.FromSlash(bin)))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type()&os.ModeSymlink == 0 {
				continue
			}
			link := filepath.Join(app, filepath.FromSlash(bin), e.Name())
			target, err := os.Readlink(link)
			if err != nil || filepath.IsAbs(target) {
				continue
			}
			if within(path.Join(bin, filepath.ToSlash(target))) {
				_ = os.Remove(link)
			}
		}
	}
}
