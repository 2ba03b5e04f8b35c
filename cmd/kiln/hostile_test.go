package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// hostileCase is an app (or environment) a careless or hostile user gives
// kiln, what kiln must say about it, and with which command.
type hostileCase struct {
	name  string
	files map[string]string
	env   buildpack.Env
	// plan runs `kiln plan` (the input only warns, and a build would go on
	// to download Node.js); otherwise `kiln build`, which must fail.
	plan bool
	want string
}

// hostileCases are the smaller items of issue 19 that fail or warn before
// anything is built; hardening_catalogue_test.go lists them with the rest.
func hostileCases() []hostileCase {
	node := `{"name":"a","engines":{"node":"24.x"},"scripts":{"start":"node a.js"}}`
	return []hostileCase{
		{name: "duplicate keys and a BOM in package.json", plan: true,
			files: map[string]string{"package.json": "\xef\xbb\xbf" + `{"name":"a","engines":{"node":"22.x"},"engines":{"node":"24.x"}}`},
			want:  `package.json gives "engines" more than once; npm uses the last value`},
		{name: "a BOM in composer.json", files: map[string]string{"composer.json": "\xef\xbb\xbf{}", "composer.lock": `{"packages":[]}`},
			want: "composer.json starts with a byte order mark (BOM), which Composer refuses"},
		{name: "engines.npm that is not a range", files: map[string]string{"package.json": `{"name":"a","engines":{"node":"24.x","npm":"banana"}}`},
			want: `package.json engines.npm is "banana", which is not a version range`},
		{name: "engines.yarn that is not a range", files: map[string]string{"package.json": `{"name":"a","engines":{"node":"24.x","yarn":"one"}}`, "yarn.lock": ""},
			want: `package.json engines.yarn is "one", which is not a version range`},
		{name: "a binary Procfile (Node.js)", files: map[string]string{"package.json": node, "Procfile": "web: node a.js\n\x7fELF\x00\x01"},
			want: "Procfile is not a text file: line 2 holds a NUL byte"},
		{name: "a binary Procfile (PHP)", files: map[string]string{"index.php": "<?php", "Procfile": "\xff\xfe\x00w"},
			want: "Procfile is not a text file: line 1 holds a NUL byte"},
		{name: ".slugignore of everything", files: map[string]string{"package.json": node, ".slugignore": "*\n"},
			want: ".slugignore leaves out the files kiln detected the app by"},
		{name: "a bad FRAMEWORK", files: map[string]string{"index.php": "<?php"}, env: buildpack.Env{"FRAMEWORK": "banana"},
			want: `The FRAMEWORK variable: framework "banana" is not one kiln knows`},
	}
}

// TestHostileInputsChangeNothingAround runs kiln on each hostile case with
// the app, the cache and the output side by side in one directory: kiln
// says what is wrong, and nothing outside the app's .kiln, the cache and
// the output (and the output's lock) changes.
func TestHostileInputsChangeNothingAround(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			app := filepath.Join(root, "app")
			for name, body := range tc.files {
				require.NoError(t, os.MkdirAll(filepath.Join(app, filepath.Dir(name)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(app, name), []byte(body), 0o644))
			}
			require.NoError(t, os.WriteFile(filepath.Join(root, "neighbour.txt"), []byte("keep"), 0o644))
			cache, out := filepath.Join(root, "cache"), filepath.Join(root, "out")
			env := buildpack.Env{"PATH": os.Getenv("PATH"), "HOME": filepath.Join(root, "cache", "home"),
				"KILN_RUNTIME_STORE": filepath.Join(cache, "store")}.Merge(tc.env)
			before := hashAround(t, root)

			var code int
			var stdout, stderr string
			if tc.plan {
				code, stdout, stderr = kiln(env, "plan", app)
				assert.Equal(t, 0, code, stderr)
			} else {
				code, stdout, stderr = kiln(env, "build", "--cache", cache, "--output", out, app)
				assert.Equal(t, 1, code, "a user error: %s%s", stdout, stderr)
			}
			assert.Contains(t, stdout+stderr, tc.want)
			assert.Equal(t, before, hashAround(t, root), "nothing outside the app's .kiln, the cache and the output changed")
		})
	}
}

// hashAround hashes every path under root and its content, leaving out
// what kiln may write: the app's .kiln, the cache, the output and its lock.
func hashAround(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	skip := map[string]bool{"app/.kiln": true, "cache": true, "out": true, ".out.lock": true}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if skip[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		h.Write([]byte(rel + "\x00" + fi.Mode().String() + "\x00"))
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	}))
	return hex.EncodeToString(h.Sum(nil))
}

// TestDiskFullIsSaid: an error from a full disk says so and what to do,
// never to check the network.
func TestDiskFullIsSaid(t *testing.T) {
	var stderr bytes.Buffer
	err := fmt.Errorf("saving the cache: %w", &os.PathError{Op: "write", Path: "/cache/x", Err: syscall.ENOSPC})
	assert.Equal(t, 1, exitCode(&stderr, err))
	assert.Contains(t, stderr.String(), "The disk is full (or the quota reached) where the build writes")
	assert.NotContains(t, stderr.String(), "network")
	assert.False(t, buildpack.DiskFull(&buildpack.UserError{Msg: "x"}))
	assert.True(t, buildpack.DiskFull(fmt.Errorf("a: %w", syscall.EDQUOT)))
}
