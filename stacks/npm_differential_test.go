package stacks

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// npmDifferentialRanges are fed to both kiln and npm's semver. Aliases that
// only kiln accepts (latest, node, lts/*) are tested in node_test.go.
var npmDifferentialRanges = []string{
	// The forms users write.
	"*", "x", "X", "x.x", "*.*.*", "24", "24.x", "24.X", "24.*", "24.x.x", "v24", "=24",
	"24.18", "24.18.0", "v24.18.0", "=v24.18.0", "= 24.18.0", "v 24.18.0", "22.1", "22.1.x",
	"^22.4", "^ 22.4", "^22", "^22.4.1", "^v22", "^24.18.0", "^26.4", "^0.1", "^0.0.1", "^0", "^30", "^20",
	"~22.4", "~ 22.4", "~>22.4", "~> 22.4", "~=22.4", "~22", "~22.4.1", "~v22.4", "~24.18.0", "~26",
	">=22 <25", ">= 22 < 25", ">=22  <25", ">= v10", ">=v10.0.0", ">= v10.0.0", "=v10.22.0", ">v15.5.0",
	">22", ">22.4", ">=22.4", "<=22", "<=22.4", "<22", "<24.0.0", "<=24.x", ">24.x", ">=24.5", ">=25", ">=99", "<1",
	">=20 <23", ">= 20 < 23", ">=22 <=24.18.0 || 26", ">=22 <22",
	"22 || 24", "22||24", "22 ||24", "22 || 26", "26.x || 22.x", "1 || 2 || 24", "22 || >=26", "<22 || >26.1",
	"26.4.0 || 22.1.0", "22.x || 24.x",
	"22 - 24", "22.4 - 24.1", "22.4.1 - 24.1.0", "v22 - v24", "22.x - 24.x", "* - 24", "22 - *",
	"24.18.0 - 24.18.0", "22.4.1-rc.1 - 24", "=22 - 24",
	// Prereleases and build metadata.
	"^22.0.0-0", ">=24.0.0-rc.1", "<25.0.0-0", "22.4.1-beta", "24.0.0-0", ">=22.0.0+build", "22.0.0+build.1",
	"^24.0.0-rc.1", "~22.4.1-rc.1",
	// Odd and invalid input.
	"", " ", "  ^22  ", "\t24\n", "22 24", "22 -24", "22-24", "|| 22", "22 || ", "22 ||| 24",
	"stable", "12.%", "lts", "node", "latest", "lts/*", "22.x.1", "x.2", "1.2.3.4", "01", "022", "22.01",
	"22 && 24", ">=22,<25", "=", ">=", "<", "^", "~", "<0", ">*", "<*", ">=*", "<=*", ">=0.0.0", ">=0.0.0 <25",
	"!22", "> = 22", ">= =22", "0.11.333", "99.x", "25.x", "v", "22.4.x-beta", ">22.x.1", "~22.x", "^22.x.x",
	"22.0.0 - 22.4.1 || >=26.3 <26.4", "<=22.4.1 >=22.4.0", "^22 ^24", "~24 || ~26", "24.18.1", "22.23.2",
}

// npmDifferentialProbes are extra versions checked for satisfaction besides
// the table's releases: the majors around them and some prereleases.
func npmDifferentialProbes() []string {
	var probes []string
	for m := 0; m <= 30; m++ {
		probes = append(probes, fmt.Sprintf("%d.0.0", m))
	}
	return append(probes, "0.0.1", "0.1.0", "1.2.3", "1.0.0-alpha", "10.22.0", "15.5.0", "15.5.1",
		"22.4.1-beta", "22.4.1-rc.1", "22.4.1-rc.2", "24.0.0-rc.1", "24.18.1", "25.9.0", "26.4.1",
		"27.0.0-0", "25.0.0-0")
}

const npmDifferentialScript = `
const semver = require(process.env.KILN_SEMVER_MODULE);
let input = '';
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', () => {
  const { ranges, versions, probes } = JSON.parse(input);
  const out = ranges.map(r => ({
    valid: semver.validRange(r) !== null,
    max: semver.maxSatisfying(versions, r),
    satisfied: probes.filter(p => semver.satisfies(p, r)),
  }));
  process.stdout.write(JSON.stringify(out));
});
`

// TestNpmDifferential compares kiln's npm range grammar with npm's semver
// package: validity, the set of satisfied versions, and the version
// selected without the wide-range clamp (semver.maxSatisfying).
func TestNpmDifferential(t *testing.T) {
	node, module := npmSemverModule(t)
	stack, err := Load(DefaultName)
	require.NoError(t, err)
	var versions []string
	for _, l := range stack.Node.Lines {
		versions = append(versions, l.Versions...)
	}
	probes := append(slices.Clone(versions), npmDifferentialProbes()...)

	cmd := exec.Command(node, "-e", npmDifferentialScript)
	cmd.Env = append(cmd.Environ(), "KILN_SEMVER_MODULE="+module)
	var want []struct {
		Valid     bool     `json:"valid"`
		Max       *string  `json:"max"`
		Satisfied []string `json:"satisfied"`
	}
	runJSON(t, cmd, map[string]any{"ranges": npmDifferentialRanges, "versions": versions, "probes": probes}, &want)
	require.Len(t, want, len(npmDifferentialRanges))

	for i, r := range npmDifferentialRanges {
		t.Run(fmt.Sprintf("%q", r), func(t *testing.T) {
			w := want[i]
			rng, err := parseNpmRange(r)
			require.Equal(t, w.Valid, err == nil, "validity (kiln error: %v)", err)
			if err == nil {
				assert.Equal(t, w.Satisfied, satisfiedBy(t, rng, probes), "satisfied versions")
			}

			// Resolution, unclamped. Deliberate differences: an empty
			// request selects the default line, and kiln's aliases.
			if trimJSSpace(r) == "" || npmKilnAlias(r) {
				return
			}
			res, err := stack.ResolveNode(Request{Value: r, Source: "test"}, true)
			if w.Max == nil {
				var re *ResolveError
				require.ErrorAs(t, err, &re, "npm selects nothing")
				assert.Equal(t, !w.Valid, re.Unparsable)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, *w.Max, res.Version)
		})
	}
}

// satisfiedBy lists the probes rng accepts, in order.
func satisfiedBy(t testing.TB, rng npmRange, probes []string) []string {
	t.Helper()
	got := []string{}
	for _, p := range probes {
		v, err := parseNpmVersion(p)
		require.NoError(t, err)
		if rng.test(v) {
			got = append(got, p)
		}
	}
	return got
}

// npmKilnAlias reports requests kiln reads differently from npm on purpose.
func npmKilnAlias(r string) bool {
	switch strings.ToLower(trimJSSpace(r)) {
	case "latest", "node", "lts/*":
		return true
	}
	return strings.HasPrefix(strings.ToLower(trimJSSpace(r)), "lts/")
}
