package approot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree makes outside/ and app/ side by side, with the links given (path
// relative to app: target).
func tree(t *testing.T, links map[string]string) (app, outside string) {
	t.Helper()
	base := t.TempDir()
	app, outside = filepath.Join(base, "app"), filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(filepath.Join(app, "sub", "deep"), 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	for l, target := range links {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(app, l)), 0o755))
		require.NoError(t, os.Symlink(target, filepath.Join(app, l)))
	}
	return app, outside
}

func TestResolve(t *testing.T) {
	app, outside := tree(t, map[string]string{
		"in":       "sub/deep",
		"up":       "..",
		"sub/l1":   "..",
		"sub/l2":   "l1/..",
		"abs":      "/etc",
		"loop":     "loop",
		"out":      "../outside",
		"sub/hop":  "../in/..",
		"sub/hop2": "../sub/l2",
	})
	require.NoError(t, os.Symlink(filepath.Join(app, "sub"), filepath.Join(app, "absin")))
	for _, tc := range []struct {
		rel, want, link, target string
	}{
		{rel: "in/x", want: "sub/deep/x"},
		{rel: "sub/l1/in", want: "sub/deep"},
		{rel: "sub/hop", want: "sub"},
		{rel: "missing/../sub", want: "sub"},
		{rel: ".", want: "."},
		{rel: "up/x", link: "up", target: ".."},
		{rel: "sub/l2", link: "sub/l2", target: "l1/.."},
		{rel: "sub/hop2/x", link: "sub/l2", target: "l1/.."},
		{rel: "abs/passwd", link: "abs", target: "/etc"},
		{rel: "absin", link: "absin", target: filepath.Join(app, "sub")},
		{rel: "out/secret", link: "out", target: "../outside"},
		{rel: "../outside"},
	} {
		got, err := Resolve(app, tc.rel)
		if tc.want != "" {
			require.NoError(t, err, tc.rel)
			assert.Equal(t, tc.want, got, tc.rel)
			continue
		}
		var esc *EscapeError
		require.ErrorAs(t, err, &esc, tc.rel)
		assert.Equal(t, tc.link, esc.Link, tc.rel)
		assert.Equal(t, tc.target, esc.Target, tc.rel)
	}
	_, err := Resolve(app, "loop/x")
	var esc *EscapeError
	require.ErrorAs(t, err, &esc)
	assert.True(t, esc.Loop)
	assert.Contains(t, err.Error(), "too many levels of symbolic links")
	_ = outside
}

func TestFileOperationsStayInside(t *testing.T) {
	app, outside := tree(t, map[string]string{"out": "../outside", "in": "sub/deep"})
	err := WriteFile(app, "out/new", []byte("x"), 0o644)
	var esc *EscapeError
	require.ErrorAs(t, err, &esc)
	assert.Equal(t, "out/new leads outside "+app+": out is a symbolic link to ../outside", err.Error())
	assert.NoFileExists(t, filepath.Join(outside, "new"))

	_, err = ReadFile(app, "out/secret")
	require.ErrorAs(t, err, &esc)
	require.ErrorAs(t, RemoveAll(app, "out/secret"), &esc)
	require.ErrorAs(t, Remove(app, "out/secret"), &esc)
	assert.FileExists(t, filepath.Join(outside, "secret"))

	require.NoError(t, WriteFile(app, "in/a/b", []byte("x"), 0o644), "links inside the tree are followed")
	b, err := ReadFile(app, "sub/deep/a/b")
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
	require.NoError(t, RemoveAll(app, "out"), "the link itself may go")
	assert.FileExists(t, filepath.Join(outside, "secret"))
	_, err = ReadFile(app, "missing")
	assert.ErrorIs(t, err, os.ErrNotExist)
}
