package local

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/classic"
)

// treeHash hashes every name, mode, link target and content under dir.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00" + fi.Mode().String() + "\x00"))
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			h.Write([]byte(l))
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		h.Write([]byte{0})
		return nil
	})
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

// targetWorld is a directory holding an app (with .git), a directory of
// the user's and a file of the user's, as the refused builds must leave it.
func targetWorld(t *testing.T) (root, app string) {
	t.Helper()
	root = t.TempDir()
	app = filepath.Join(root, "app")
	mkdirs(t, filepath.Join(app, ".git"), filepath.Join(root, "photos"))
	for p, body := range map[string]string{
		filepath.Join(app, "package.json"):   `{"name":"x"}`,
		filepath.Join(app, ".git", "HEAD"):   "ref: refs/heads/main\n",
		filepath.Join(root, "photos", "cat"): "meow",
		filepath.Join(root, "notes.txt"):     "keep me",
	} {
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return root, app
}

func TestBuildRefusesTargetsThatWouldLoseData(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts func(root, app string) BuildOptions
		msg  string
	}{
		{"output is the app", func(_, app string) BuildOptions { return BuildOptions{Output: app} }, "is the app directory itself"},
		{"output is the app's parent", func(root, _ string) BuildOptions { return BuildOptions{Output: root} }, "contains the app directory"},
		{"output is the filesystem root", func(string, string) BuildOptions { return BuildOptions{Output: "/"} }, "contains the app directory"},
		{"output is an existing directory", func(root, _ string) BuildOptions {
			return BuildOptions{Output: filepath.Join(root, "photos")}
		}, "is not a kiln slug (it has no .kiln/release.yml)"},
		{"output is an existing file", func(root, _ string) BuildOptions {
			return BuildOptions{Output: filepath.Join(root, "notes.txt")}
		}, "exists and is not a directory"},
		{"output inside the app", func(_, app string) BuildOptions { return BuildOptions{Output: filepath.Join(app, "out")} }, "is inside the app directory"},
		{"output inside the app through a link", func(root, app string) BuildOptions {
			require.NoError(t, os.Symlink(app, filepath.Join(root, "link")))
			return BuildOptions{Output: filepath.Join(root, "link", "out")}
		}, "is inside the app directory"},
		{"cache inside the app", func(_, app string) BuildOptions { return BuildOptions{CacheDir: filepath.Join(app, "x")} }, "--cache"},
		{"cache is the app", func(_, app string) BuildOptions { return BuildOptions{CacheDir: app} }, "is the app directory itself"},
		{"cache contains the app", func(root, _ string) BuildOptions { return BuildOptions{CacheDir: root} }, "contains the app directory"},
		{"cache inside the output", func(root, _ string) BuildOptions {
			return BuildOptions{Output: filepath.Join(root, "out"), CacheDir: filepath.Join(root, "out", "cache")}
		}, "overlap"},
		{"tarball is a directory", func(root, _ string) BuildOptions { return BuildOptions{Tar: filepath.Join(root, "photos")} }, "is a directory; --tar takes the name of the file"},
		{"tarball is a file of the user's", func(root, _ string) BuildOptions {
			return BuildOptions{Tar: filepath.Join(root, "notes.txt")}
		}, "is not a kiln slug tarball"},
		{"tarball inside the app", func(_, app string) BuildOptions { return BuildOptions{Tar: filepath.Join(app, "slug.tgz")} }, "is inside the app directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, app := targetWorld(t)
			opts := tc.opts(root, app)
			before := treeHash(t, root)
			opts.AppDir = app
			opts.Engine = &classic.Engine{}
			_, err := Build(opts)
			var ue *buildpack.UserError
			require.ErrorAs(t, err, &ue)
			assert.Contains(t, ue.Msg, tc.msg)
			assert.NotEmpty(t, ue.Hint, "the message says how to fix it")
			assert.Equal(t, before, treeHash(t, root), "nothing around the app changed")
		})
	}
}

func TestTargetsKilnOwns(t *testing.T) {
	root, app := targetWorld(t)
	ok := func(opts BuildOptions) {
		t.Helper()
		assert.NoError(t, checkTargets(app, app, opts))
	}
	ok(BuildOptions{})                                               // APP/.kiln/slug
	ok(BuildOptions{CacheDir: filepath.Join(app, ".kiln", "cache")}) // kiln's own directory
	ok(BuildOptions{Output: filepath.Join(root, "new", "slug")})     // missing
	mkdirs(t, filepath.Join(root, "empty"))
	ok(BuildOptions{Output: filepath.Join(root, "empty")})
	slug := filepath.Join(root, "slug")
	require.NoError(t, writeRelease(slug, Release{Buildpack: "nodejs"}))
	ok(BuildOptions{Output: slug})

	// A tarball kiln wrote may be overwritten; it holds the release first.
	tgz := filepath.Join(root, "slug.tgz")
	require.NoError(t, writeTarGz(slug, tgz))
	ok(BuildOptions{Tar: tgz})
	assert.True(t, isSlugTarball(tgz))
}
