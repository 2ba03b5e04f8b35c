package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Warning kinds asserted by the Node.js tests.
const (
	warnNone    = iota
	warnClamped // wide range limited to the LTS line
	warnWide    // wide range, not limited
)

func TestResolveNode(t *testing.T) {
	for _, tc := range []struct {
		request   string
		allowWide bool
		version   string
		warning   int
	}{
		// The reference platform's outputs (research-nodejs.md §4), on
		// these tables.
		{"", false, "24.18.0", warnNone},
		{"24.x", false, "24.18.0", warnNone},
		{"22", false, "22.23.1", warnNone},
		{">=22", false, "24.18.0", warnClamped},
		{"*", false, "24.18.0", warnClamped},
		{"latest", false, "24.18.0", warnClamped},
		{"~=22.4", false, "22.4.1", warnNone},
		{"v22.1.0", false, "22.1.0", warnNone},
		{">= 20 < 23", false, "22.23.1", warnWide},

		// npm range forms.
		{"24", false, "24.18.0", warnNone},
		{"^22.4", false, "22.23.1", warnNone},
		{"~22.4", false, "22.4.1", warnNone},
		{">=22 <25", false, "24.18.0", warnWide},
		{"22 || 24", false, "24.18.0", warnNone}, // admits neither 23.0.0 nor 25.0.0
		{"22 || 26", false, "26.4.0", warnNone},  // nor 25.0.0 / 27.0.0: not wide by that test
		{"22 - 24", false, "24.18.0", warnWide},
		{"22.4 - 22.10", false, "22.10.0", warnNone},
		{"=v22.1.0", false, "22.1.0", warnNone},
		{">= v10", false, "24.18.0", warnClamped},
		{">v15.5.0", false, "24.18.0", warnClamped},
		{"~>22.4", false, "22.4.1", warnNone},
		{"26", false, "26.4.0", warnNone},
		{"^26", false, "26.4.0", warnNone},
		{"26.x", false, "26.4.0", warnNone},
		{"<=22", false, "22.23.1", warnWide},
		{">=24.5", false, "24.18.0", warnClamped},
		{">=24.19", false, "26.4.0", warnWide}, // no 24.x in the range: nothing to clamp to
		{">=25", false, "26.4.0", warnWide},
		{"22.x || >=26", false, "26.4.0", warnWide},
		{"24.18.0", false, "24.18.0", warnNone},
		{"22.4.1", false, "22.4.1", warnNone},

		// NODEJS_ALLOW_WIDE_RANGE=true.
		{">=22", true, "26.4.0", warnWide},
		{"*", true, "26.4.0", warnWide},
		{"latest", true, "26.4.0", warnWide},
		{">= 20 < 23", true, "22.23.1", warnWide},
		{"24.x", true, "24.18.0", warnNone},

		// .nvmrc aliases, accepted everywhere.
		{"node", false, "26.4.0", warnNone},
		{"Node", false, "26.4.0", warnNone},
		{"lts/*", false, "24.18.0", warnNone},
		{"lts/jod", false, "22.23.1", warnNone},
		{"LTS/Jod", false, "22.23.1", warnNone},
		{"lts/krypton", false, "24.18.0", warnNone},
		{"lts/KRYPTON", true, "24.18.0", warnNone},

		// Whitespace is trimmed.
		{"  24  ", false, "24.18.0", warnNone},
		{"\t22\n", false, "22.23.1", warnNone},
		{" lts/jod\n", false, "22.23.1", warnNone},
		{" ", false, "24.18.0", warnNone},
	} {
		t.Run(tc.request, func(t *testing.T) {
			s, err := Load(DefaultName)
			require.NoError(t, err)
			r := Request{Value: tc.request, Source: "package.json engines.node"}
			res, err := s.ResolveNode(r, tc.allowWide)
			require.NoError(t, err)
			assert.Equal(t, tc.version, res.Version)
			assert.Equal(t, tc.version[:2], res.Line)
			switch tc.warning {
			case warnNone:
				assert.Empty(t, res.Warnings)
			case warnClamped:
				require.Len(t, res.Warnings, 1)
				w := res.Warnings[0]
				assert.Contains(t, w, `Node.js version range "`+tc.request+`" (package.json engines.node) allows several major versions`)
				assert.Contains(t, w, "limited it to the 24 LTS line and installs "+tc.version+" instead of 26.4.0")
				assert.Contains(t, w, "NODEJS_ALLOW_WIDE_RANGE=true")
			case warnWide:
				require.Len(t, res.Warnings, 1)
				w := res.Warnings[0]
				assert.Contains(t, w, "allows several major versions")
				assert.Contains(t, w, `"`+res.Line+`.x"`)
				assert.NotContains(t, w, "limited")
			}
		})
	}
}

func TestResolveNodeSameOnEveryStack(t *testing.T) {
	for _, name := range Names() {
		s, err := Load(name)
		require.NoError(t, err)
		res, err := s.ResolveNode(Request{Value: ">=22"}, false)
		require.NoError(t, err)
		assert.Equal(t, "24.18.0", res.Version, name)
	}
}

func TestResolveNodeClampWarning(t *testing.T) {
	s, err := Load(DefaultName)
	require.NoError(t, err)
	res, err := s.ResolveNode(Request{Value: ">=22", Source: "package.json engines.node"}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{`Node.js version range ">=22" (package.json engines.node) allows several major versions, ` +
		`so kiln limited it to the 24 LTS line and installs 24.18.0 instead of 26.4.0. ` +
		`Pin one major version (for example "24.x"), or set NODEJS_ALLOW_WIDE_RANGE=true to install the newest version the range allows.`},
		res.Warnings)

	res, err = s.ResolveNode(Request{Value: ">= 20 < 23", Source: "package.json engines.node"}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{`Node.js version range ">= 20 < 23" (package.json engines.node) allows several major versions, ` +
		`so a later build may move to another one without notice; pin the major version you test with (for example "22.x").`},
		res.Warnings)

	res, err = s.ResolveNode(Request{Value: "*"}, true)
	require.NoError(t, err)
	assert.Equal(t, []string{`Node.js version range "*" allows several major versions; as NODEJS_ALLOW_WIDE_RANGE=true, ` +
		`kiln installs 26.4.0, the newest it allows, and a later build may move to another major version. ` +
		`Pin one major version (for example "26.x") to avoid surprises.`}, res.Warnings)
}

func TestResolveNodeErrors(t *testing.T) {
	const available = "22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0)"
	for _, tc := range []struct {
		request    string
		unparsable bool
		reason     string
	}{
		{"^20", false, "matches no version available"}, // line 20 is not offered
		{"20.x", false, "matches no version available"},
		{"25.x", false, "matches no version available"},
		{"99.x", false, "matches no version available"},
		{"^30", false, "matches no version available"},
		{"0.11.333", false, "matches no version available"},
		{"22.4.2", false, "matches no version available"},  // not a release
		{"24.18.1", false, "matches no version available"}, // released, but above the table
		{">=22 <22", false, "matches no version available"},
		{"<0", false, "matches no version available"},
		{"lts/iron", false, "names an LTS line that is not available"},
		{"lts/", false, "names an LTS line that is not available"},
		{"stable", true, `could not be parsed as an npm version range: "stable" is not a valid version or comparator`},
		{"12.%", true, `could not be parsed as an npm version range: "12.%" is not a valid version or comparator`},
		{"lts", true, `could not be parsed as an npm version range: "lts" is not a valid version or comparator`},
		{">=22,<25", true, `could not be parsed as an npm version range: ">=22,<25" is not a valid version or comparator`},
		{"1.2.3.4", true, `could not be parsed as an npm version range: "1.2.3.4" is not a valid version or comparator`},
	} {
		t.Run(tc.request, func(t *testing.T) {
			s, err := Load(DefaultName)
			require.NoError(t, err)
			_, err = s.ResolveNode(Request{Value: tc.request, Source: ".nvmrc"}, true)
			var re *ResolveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, ResolveError{
				Component: "Node.js", Request: tc.request, Source: ".nvmrc", Stack: "scalingo-26",
				Available: available, Reason: tc.reason, Unparsable: tc.unparsable, Hint: re.Hint,
			}, *re)
			assert.NotEmpty(t, re.Hint)
		})
	}
}

func TestResolveNodeErrorMessages(t *testing.T) {
	s, err := Load(DefaultName)
	require.NoError(t, err)

	_, err = s.ResolveNode(Request{Value: "^30", Source: "package.json engines.node"}, false)
	assert.EqualError(t, err, `Node.js version "^30" requested in package.json engines.node matches no version available on scalingo-26 `+
		`(available: 22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0))`)
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, `Change package.json engines.node to a range that includes an available version, for example "24.x".`, re.Hint)

	_, err = s.ResolveNode(Request{Value: "stable", Source: "package.json engines.node"}, false)
	assert.EqualError(t, err, `Node.js version "stable" requested in package.json engines.node could not be parsed as an npm version range: `+
		`"stable" is not a valid version or comparator (available on scalingo-26: 22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0))`)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, `Write a range such as "24.x", "^24" or ">=24", or an alias such as "lts/*" or "node", in package.json engines.node.`, re.Hint)

	_, err = s.ResolveNode(Request{Value: "lts/iron", Source: ".nvmrc"}, false)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, `Use "lts/*", "lts/jod" (22) or "lts/krypton" (24), or a version range such as "24.x".`, re.Hint)

	_, err = s.ResolveNode(Request{Value: "99"}, false)
	assert.EqualError(t, err, `Node.js version "99" requested matches no version available on scalingo-26 `+
		`(available: 22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0))`)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, `Change the request to a range that includes an available version, for example "24.x".`, re.Hint)
}
