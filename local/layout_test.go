package local

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocate(t *testing.T) {
	repo := t.TempDir()
	outside := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(repo, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	write("package.json", `{"workspaces": ["packages/*"]}`)
	write("packages/api/package.json", `{}`)
	write("web/package.json", `{}`)
	write("not-a-dir", ``)
	require.NoError(t, os.Symlink(outside, filepath.Join(repo, "away")))
	require.NoError(t, os.Symlink("web", filepath.Join(repo, "alias")))

	l, err := Locate(repo, "", "--path")
	require.NoError(t, err)
	assert.Equal(t, Layout{Repo: repo, Root: repo, App: repo}, l)
	assert.Empty(t, l.Describe())

	l, err = Locate(repo, "./web/", "--path")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(repo, "web"), l.Root)
	assert.Equal(t, l.Root, l.App)
	assert.Empty(t, l.Member)
	assert.Contains(t, l.Describe(), "web is built on its own")

	l, err = Locate(repo, "alias", "--path") // a link inside the repository: the directory it names
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(repo, "web"), l.App)

	l, err = Locate(repo, "packages/api", "PROJECT_DIR")
	require.NoError(t, err)
	assert.Equal(t, repo, l.Root)
	assert.Equal(t, filepath.Join(repo, "packages", "api"), l.App)
	assert.Equal(t, "packages/api", l.Member)
	assert.Equal(t, "npm", l.Workspace.Manager)
	assert.Contains(t, l.Describe(), "member of the npm workspace at the repository root")

	for path, msg := range map[string]string{
		"../x":             "PROJECT_DIR ../x leads outside the repository",
		"web/../..":        "leads outside the repository",
		"/etc":             "is an absolute path",
		"away":             "leads outside the repository " + repo + " through a symbolic link",
		"missing":          "there is no directory missing",
		"not-a-dir":        "there is no directory not-a-dir",
		"packages/missing": "there is no directory packages/missing",
	} {
		_, err := Locate(repo, path, "PROJECT_DIR")
		if assert.Error(t, err, path) {
			assert.Contains(t, err.Error(), msg, path)
		}
	}
}

func TestCheckPlaceAllowsTheMembersKilnDir(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "packages", "api")
	assert.NoError(t, checkPlace("--output", "x", filepath.Join(app, ".kiln", "slug"), root, app))
	assert.NoError(t, checkPlace("--output", "x", filepath.Join(root, ".kiln", "slug"), root, app))
	assert.Error(t, checkPlace("--output", "x", filepath.Join(root, "packages", "slug"), root, app))
	assert.True(t, workDirAllowed(root, app, filepath.Join(app, ".kiln")))
	assert.False(t, workDirAllowed(root, app, filepath.Join(root, "packages")))
}
