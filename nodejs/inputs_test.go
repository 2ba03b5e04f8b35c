package nodejs

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// planFiles plans an app made of files on the default stack.
func planFiles(t *testing.T, files map[string]string) (buildpack.Plan, string, error) {
	t.Helper()
	return buildpacktest.PlanApp(t, Buildpack{}, files, nil)
}

func TestLastKeyWins(t *testing.T) {
	out, dups, err := lastKeyWins([]byte(`{"a":1,"b":{"x":[1,{"y":2,"y":3}],"x":"last"},"a":{"n":1.50},"c":null}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a":{"n":1.50},"b":{"x":"last"},"c":null}`, string(out), "last value, first place, numbers as written")
	assert.Equal(t, []string{"b.x[1].y", "b.x", "a"}, dups)
	same := []byte(`{"a": 1, "b": [1, 2]}`)
	out, dups, err = lastKeyWins(same)
	require.NoError(t, err)
	assert.Equal(t, same, out, "without duplicates the text is kept as written")
	assert.Empty(t, dups)
}

// TestPackageJSONReadAsNPMReadsIt: a byte order mark is skipped and a key
// given twice keeps its last value, as npm (JSON.parse) reads package.json;
// both with a warning naming them. Node.js itself confirms the reading.
func TestPackageJSONReadAsNPMReadsIt(t *testing.T) {
	pkg := "\xef\xbb\xbf" + `{"name":"a","engines":{"node":"22.x"},"scripts":{"start":"node a.js"},"engines":{"node":"24.x"}}`
	p, app, err := planFiles(t, map[string]string{"package.json": pkg})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p.Runtimes[0].Version, "24."), "engines.node is the last one: %s", p.Runtimes[0].Version)
	warnings := strings.Join(p.Warnings, "\n")
	assert.Contains(t, warnings, "package.json starts with a byte order mark (BOM)")
	assert.Contains(t, warnings, `package.json gives "engines" more than once; npm uses the last value`)

	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node is not on PATH: not cross-checked with Node.js")
		return
	}
	out, err := exec.Command(node, "-e", `process.stdout.write(require(process.argv[1]).engines.node)`, filepath.Join(app, "package.json")).Output()
	require.NoError(t, err)
	assert.Equal(t, "24.x", string(out), "Node.js reads the file the same way")
}

// TestEnginesToolRequestsCheckedAtPlanTime: engines.npm, engines.yarn and
// engines.pnpm must be a version range or a dist-tag; anything else fails
// the plan, before Node.js is downloaded, naming the field.
func TestEnginesToolRequestsCheckedAtPlanTime(t *testing.T) {
	for _, tc := range []struct {
		engines, lockfile, fails string
	}{
		{`"npm":"banana"`, "", `package.json engines.npm is "banana", which is not a version range`},
		{`"npm":"10 && 11"`, "", `engines.npm is "10 && 11"`},
		{`"yarn":"one point x"`, "yarn.lock", `package.json engines.yarn is "one point x", which is not a version range`},
		{`"pnpm":"9.x.y"`, "", `engines.pnpm is "9.x.y"`},
		{`"npm":"latest"`, "", ""},
		{`"npm":"next-11"`, "", ""},
		{`"yarn":"1.22.x"`, "yarn.lock", ""},
		{`"yarn":"berry"`, "yarn.lock", ""},
		{`"pnpm":"^9.1 || ^10"`, "", ""},
	} {
		files := map[string]string{"package.json": `{"name":"a","engines":{"node":"24.x",` + tc.engines + `}}`}
		if tc.lockfile != "" {
			files[tc.lockfile] = ""
		}
		_, _, err := planFiles(t, files)
		if tc.fails == "" {
			assert.NoError(t, err, tc.engines)
			continue
		}
		u, ok := buildpack.AsUserError(err)
		require.True(t, ok, "%s: %v", tc.engines, err)
		assert.Contains(t, u.Msg, tc.fails)
		assert.Contains(t, u.Hint, "dist-tag")
	}
}

// TestBinaryProcfileFailsThePlan: a Procfile that is not text fails at plan
// time, with the line, not after the build.
func TestBinaryProcfileFailsThePlan(t *testing.T) {
	for procfile, want := range map[string]string{
		"web: npm start\n\x00\x01\x02":                    "Procfile is not a text file: line 2 holds a NUL byte",
		"\xff\xfe w\x00e\x00b\x00":                        "Procfile is not a text file: line 1 holds a NUL byte",
		"web: \xc3\x28":                                   "Procfile is not a text file: line 1 is not UTF-8 text",
		"web: " + strings.Repeat("a", 70000) + "\nw: b\n": "Procfile is not a text file: line 1 is 70005 bytes long",
	} {
		_, _, err := planFiles(t, map[string]string{"package.json": `{"name":"a","engines":{"node":"24.x"}}`, "Procfile": procfile})
		u, ok := buildpack.AsUserError(err)
		require.True(t, ok, "%v", err)
		assert.Contains(t, u.Msg, want)
	}
	_, _, err := planFiles(t, map[string]string{"package.json": `{"name":"a","engines":{"node":"24.x"}}`, "Procfile": "web: node a.js\r\nworker: node w.js — ünïcode\r\n"})
	assert.NoError(t, err)
}
