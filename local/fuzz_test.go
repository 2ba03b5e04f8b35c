package local

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSlugignore copies a small app under an arbitrary .slugignore: what
// is copied is a subset of the app (same paths, same contents), .git and
// .kiln never are, nothing a rule ignores is, and the app is unchanged.
func FuzzSlugignore(f *testing.F) {
	f.Add("# comment\n*.psd\n/docs\ntest/fixtures/\ntmp/\n!keep.psd\n")
	f.Add("*\n")
	f.Add("/\n**\n../\n/..\n[\n\\\n")
	f.Add("node_modules\r\n.slugignore\n")
	files := map[string]string{
		"package.json": "{}", "server.js": "x", "art/logo.psd": "psd", "docs/guide.md": "g", "lib/docs/inner.md": "i",
		"test/fixtures/a.json": "a", "tmp": "file", ".git/HEAD": "ref", ".kiln/slug/old": "old", "a b/c[1].txt": "c",
	}
	f.Fuzz(func(t *testing.T, slugignore string) {
		root := t.TempDir()
		app := filepath.Join(root, "app")
		for name, body := range files {
			p := filepath.Join(app, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		}
		require.NoError(t, os.WriteFile(filepath.Join(app, ".slugignore"), []byte(slugignore), 0o644))
		before := treeOf(t, root)

		dest := filepath.Join(root, "build")
		err := copyApp(app, dest, "")
		if err != nil {
			return // an unreadable .slugignore (a line too long) is an error, not a crash
		}
		rules, err := loadIgnoreRules(app)
		require.NoError(t, err)
		after := treeOf(t, root)
		for p, body := range after {
			rel, err := filepath.Rel(dest, filepath.Join(root, p))
			require.NoError(t, err)
			if !filepath.IsLocal(rel) {
				require.Equal(t, before[p], body, "%s changed", p)
				continue
			}
			if rel == "." {
				continue
			}
			orig, ok := before[filepath.Join("app", rel)]
			require.True(t, ok, "%s was copied but is not in the app", rel)
			require.Equal(t, orig, body, "%s was copied with another content", rel)
			require.NotRegexp(t, `^\.(git|kiln)(/|$)`, filepath.ToSlash(rel))
			require.False(t, rules.ignored(filepath.ToSlash(rel), body == "<dir>"), "%s is ignored yet copied", rel)
		}
		for p := range before {
			_, ok := after[p]
			require.True(t, ok, "%s disappeared", p)
		}
	})
}

// treeOf maps every path under root (relative) to its content, "<dir>"
// for a directory.
func treeOf(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[rel] = "<dir>"
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	}))
	return out
}

// FuzzReadProcfile reads arbitrary Procfiles: process types are names and
// commands are trimmed and not empty.
func FuzzReadProcfile(f *testing.F) {
	f.Add("web: npm start\nworker: node worker.js\n# comment\n\n")
	f.Add("web:\nweb2:   \n: x\nweb: a: b\r\n")
	f.Fuzz(func(t *testing.T, procfile string) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644))
		procs, err := readProcfile(dir)
		if err != nil {
			return
		}
		for name, cmd := range procs {
			require.Regexp(t, `^[A-Za-z0-9_-]+$`, name)
			require.NotEmpty(t, cmd, "process %s", name)
		}
	})
}
