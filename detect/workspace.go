package detect

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Workspace is the JavaScript workspace (npm, Yarn or pnpm) a package
// directory belongs to.
type Workspace struct {
	// Root is the workspace root, a slash-separated path relative to the
	// file system given to WorkspaceOf ("." for its root).
	Root string
	// Manager is "npm", "Yarn" or "pnpm": whose declaration names the
	// member (package.json "workspaces" with a yarn.lock beside it is
	// Yarn's, without one npm's; pnpm-workspace.yaml is pnpm's).
	Manager string
	// Declaration is the file and pattern that include the member, e.g.
	// `package.json workspaces "packages/*"`.
	Declaration string
}

// WorkspaceOf finds the workspace that the directory dir (slash-separated,
// relative to repo's root) is a member of: the nearest directory above it
// whose package.json "workspaces" (npm, Yarn) or pnpm-workspace.yaml
// "packages" (pnpm) include it. Only directories of repo are searched.
func WorkspaceOf(repo fs.FS, dir string) (Workspace, bool) {
	dir = path.Clean(dir)
	for root := dir; root != "."; {
		root = path.Dir(root)
		rel := strings.TrimPrefix(dir, root+"/")
		if root == "." {
			rel = dir
		}
		if ws, ok := declares(repo, root, rel); ok {
			return ws, true
		}
	}
	return Workspace{}, false
}

// declares reports whether the directory root declares a workspace that
// includes the directory rel (relative to root).
func declares(repo fs.FS, root, rel string) (Workspace, bool) {
	if b, err := fs.ReadFile(repo, path.Join(root, "pnpm-workspace.yaml")); err == nil {
		var ws struct {
			Packages []string `yaml:"packages"`
		}
		if yaml.Unmarshal(b, &ws) == nil {
			if p, ok := matchWorkspace(ws.Packages, rel); ok {
				return Workspace{Root: root, Manager: "pnpm", Declaration: `pnpm-workspace.yaml packages "` + p + `"`}, true
			}
		}
	}
	b, err := fs.ReadFile(repo, path.Join(root, "package.json"))
	if err != nil {
		return Workspace{}, false
	}
	var pkg struct {
		Workspaces json.RawMessage `json:"workspaces"`
	}
	if json.Unmarshal(b, &pkg) != nil || len(pkg.Workspaces) == 0 {
		return Workspace{}, false
	}
	var patterns []string
	if json.Unmarshal(pkg.Workspaces, &patterns) != nil {
		var obj struct {
			Packages []string `json:"packages"`
		}
		if json.Unmarshal(pkg.Workspaces, &obj) != nil {
			return Workspace{}, false
		}
		patterns = obj.Packages
	}
	p, ok := matchWorkspace(patterns, rel)
	if !ok {
		return Workspace{}, false
	}
	manager := "npm"
	if IsFile(repo, path.Join(root, "yarn.lock")) {
		manager = "Yarn"
	}
	return Workspace{Root: root, Manager: manager, Declaration: `package.json workspaces "` + p + `"`}, true
}

// matchWorkspace returns the first pattern that includes rel, unless a
// negated pattern ("!packages/old") excludes it.
func matchWorkspace(patterns []string, rel string) (string, bool) {
	found := ""
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if globMatch(neg, rel) {
				return "", false
			}
			continue
		}
		if found == "" && globMatch(p, rel) {
			found = p
		}
	}
	return found, found != ""
}

// globMatch matches a workspace pattern ("packages/*", "apps/**",
// "./tools/cli/") against a slash-separated directory path: "**" stands
// for any number of directories, other segments are path.Match patterns.
func globMatch(pattern, rel string) bool {
	pattern = strings.TrimSuffix(strings.TrimPrefix(path.Clean("/"+pattern), "/"), "/package.json")
	return matchSegments(strings.Split(pattern, "/"), strings.Split(rel, "/"))
}

func matchSegments(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegments(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	if ok, _ := path.Match(pat[0], segs[0]); !ok {
		return false
	}
	return matchSegments(pat[1:], segs[1:])
}
