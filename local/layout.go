package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/detect"
)

// Layout is where an app lies in a repository (kiln build --path,
// PROJECT_DIR). A build copies and compiles Root; the slug is Root's tree.
//
//   - No path: the repository is the app (Root = App = Repo).
//   - A subdirectory of its own: only it is built, as if it were the
//     repository (Root = App); the rest of the repository is not in the
//     build, and not in the slug.
//   - A member of an npm, Yarn or pnpm workspace whose root is above it: the
//     workspace root is built (Root = the workspace root: dependencies are
//     installed there, from its lockfile, for every member) and the slug is
//     the workspace's whole tree; the processes are the member's, started
//     in its directory (Member).
type Layout struct {
	// Repo is the repository (absolute).
	Repo string
	// Root is the directory a build copies and compiles (absolute).
	Root string
	// App is the app's directory (absolute): its .kiln directory holds the
	// default slug, and its path names its default cache.
	App string
	// Member is App relative to Root (slash-separated) when App is a
	// workspace member built from the workspace root, else "".
	Member string
	// Workspace describes the workspace when Member is set.
	Workspace detect.Workspace
}

// Locate finds the app at path (relative to the repository repo; "" or
// "." for the repository itself) and what a build of it must see. from
// names where path came from ("--path", "PROJECT_DIR") in errors. A path
// that leaves the repository, by ".." or through a symbolic link, is
// refused.
func Locate(repo, path, from string) (Layout, error) {
	abs, err := filepath.Abs(repo)
	if err != nil {
		return Layout{}, fmt.Errorf("resolving %s: %w", repo, err)
	}
	l := Layout{Repo: abs, Root: abs, App: abs}
	if path == "" {
		return l, nil
	}
	const hint = "Give the app's directory relative to the repository, e.g. apps/web."
	if filepath.IsAbs(path) {
		return l, buildpack.Userf("%s %s is an absolute path; it must be relative to the repository %s", from, path, repo).WithHint(hint)
	}
	rel := filepath.Clean(path)
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return l, buildpack.Userf("%s %s leads outside the repository %s", from, path, repo).WithHint(hint)
	}
	if rel == "." {
		return l, nil
	}
	dir := filepath.Join(abs, rel)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return l, buildpack.Userf("%s %s: there is no directory %s in the repository %s", from, path, rel, repo).WithHint(hint)
	}
	realRepo, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return l, fmt.Errorf("resolving %s: %w", repo, err)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return l, fmt.Errorf("resolving %s: %w", dir, err)
	}
	if realDir == realRepo {
		return l, nil
	}
	if !within(realDir, realRepo) {
		return l, buildpack.Userf("%s %s leads outside the repository %s through a symbolic link (to %s)", from, path, repo, realDir).
			WithHint("Build the directory the link points to as its own repository, or replace the link with the directory.")
	}
	// Through a link inside the repository: the directory it names (a
	// build copies a tree, not a link to one).
	if rel, err = filepath.Rel(realRepo, realDir); err != nil {
		return l, fmt.Errorf("locating %s in %s: %w", realDir, realRepo, err)
	}
	dir = filepath.Join(abs, rel)
	l.App = dir
	l.Root = dir
	if ws, ok := detect.WorkspaceOf(os.DirFS(abs), filepath.ToSlash(rel)); ok {
		l.Root = filepath.Join(abs, filepath.FromSlash(ws.Root))
		l.Workspace = ws
		m, err := filepath.Rel(l.Root, dir)
		if err != nil {
			return l, fmt.Errorf("locating %s in its workspace: %w", dir, err)
		}
		l.Member = filepath.ToSlash(m)
	}
	return l, nil
}

// Describe says in one line what a build of the layout sees and ships, or
// "" when the repository is the app.
func (l Layout) Describe() string {
	rel := func(p string) string {
		r, err := filepath.Rel(l.Repo, p)
		if err != nil || r == "." {
			return "the repository root"
		}
		return filepath.ToSlash(r)
	}
	switch {
	case l.Member != "":
		return fmt.Sprintf("%s is a member of the %s workspace at %s (%s): the build installs from the workspace root, the slug is the workspace's whole tree, the processes start in %s",
			rel(l.App), l.Workspace.Manager, rel(l.Root), l.Workspace.Declaration, l.Member)
	case l.App != l.Repo:
		return fmt.Sprintf("%s is built on its own: the rest of the repository is neither in the build nor in the slug", rel(l.App))
	}
	return ""
}
