package stacks

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// composerDifferentialConstraints are fed to both kiln and composer/semver.
var composerDifferentialConstraints = []string{
	// The research tables and the platform documentation.
	"~8.4", "~8.2", "~8.2.0", "~8.4.2", "^8.2", ">=8.2", "8.3.*", "8.3", "^7.4||^8.0", "^7.4 || ^8.0",
	">=8.1 <8.4", ">=8.1,<8.4", "^8.1|^8.2", "8.3.*@dev", "^8.3@stable", "^9.0", "~8.5", "~8.1", "8.4.2",
	// Grammar: operators, wildcards, hyphens, prefixes, stability.
	"*", "x", "*.*", "v*", "8.*", "8.x", "8.X", "8.3.x", "8.3.X", "8.3.*.*", "v8.3.*", "8", "v8.3", "V8.3.1", "=8.3.1", "==8.3.1",
	"!=8.3.1", "<>8.3.1", ">8.3", ">8.3.1", "<8.4", "<=8.4", "<=8.4.1", "< 8.4", ">= 8.2", ">=  8.2", ">= 8.2, < 8.5", ">=8.2 ,<8.5",
	">=8.2 , <8.5", ">=8.2,,<8.5", "^8", "^8.0", "^8.2.3", "^0.3", "^0.0.3", "^0", "~8", "~8.4.2.1", "~0.3", "~8.4@dev",
	"8.2 - 8.4", "8.2 - 8.4.1", "8.2.1 - 8.4", "v8.2 - v8.4", "8.2 - 8.4@dev", "8.2-8.4", "8.2 -8.4", "8 - 8.4", "8.2 - 9",
	"1.30.*", "~1.30", "1.30.2", "^1.30", "~1.31.0", "2.x", "2.2.*", "~2.10", "2.10.1", "^2.2", "2.*@stable",
	">=8.2.0-dev", ">=8.2.0-beta1", "<8.5.0-dev", "<8.5-dev", ">=8.4.0-RC1", "8.4.0-beta.1", ">=8.4@dev", "<8.5@dev",
	"8.4.x-dev", "8.x-dev", "~8.x-dev", "^8.x-dev", "8.4.1+build", ">=8.4.1+build", "dev-master", "master", "dev-main#abc123",
	"8.4.1 as 8.4.0", "~8.4 || ~8.5", "~8.2 || ^8.5", "^7.4 | ^8.0", "8.2 || 8.3", ">=8.1 <8.4 || >=8.5", "^8.2,!=8.4.3",
	"8.4.* || 8.5.*", ">=8.2 <8.3 || >8.4.20", "@dev", "@stable", "8.3@RC", ">8.3@beta", "20230101", ">=2023.01",
	// Invalid.
	"", " ", "foo", "~>8.4", "8.%", ">=8.1,", "|| 8.2", "8.2 ||", "8.2 |||", "=> 8.2", ">=", "~", "^", "8.2.", "8..2",
	"^8.x", "~8.x", "8.*.1", "stable", "lts", ">=8.2 as 8.3", "8.2 - ", "x.8",
}

// composerDifferentialVersions are the versions each constraint is checked
// against, besides the tables' releases.
var composerDifferentialVersions = []string{
	"8.4", "8", "8.4.0.0", "v8.4.1", "V8.4.1", "8.4.1-dev", "8.4.0-beta1", "8.4.0-beta.1", "8.4.0RC1", "8.4.0-rc1",
	"8.4.0-alpha2", "8.4.0-patch1", "8.4.0-pl1", "8.4.0-stable", "9.0.0", "9.0.0-dev", "7.4.33", "8.10.0", "8.1.99",
	"8.0.0", "8.0", "0.0.0", "0.3.5", "0.0.3", "dev-master", "master", "dev-main", "8.4.x-dev", "8.x-dev",
	"20230101", "2023.01.01", "8.1.2-1ubuntu2.14", "", "foo", "8.4.1+build", "8.4.1.5", "8.4.1 as 8.4.0", " 8.4.2 ",
	"8.4.1@dev",
}

const composerDifferentialScript = `<?php
require getenv('KILN_COMPOSER_SEMVER');
use Composer\Semver\Semver;
$in = json_decode(file_get_contents('php://stdin'), true);
$out = [];
foreach ($in['constraints'] as $c) {
    $row = [];
    foreach ($in['versions'] as $v) {
        try {
            $row[] = Semver::satisfies($v, $c) ? 1 : 0;
        } catch (\Throwable $e) {
            $row[] = -1;
        }
    }
    $out[] = $row;
}
echo json_encode($out);
`

// TestComposerDifferential compares ComposerSatisfies with composer/semver's
// Semver::satisfies on every constraint × version pair: true, false or an
// error on both sides. It also checks that each version kiln selects for a
// constraint satisfies it in Composer's eyes, except where kiln reads a bare
// partial version as a wildcard (and warns).
func TestComposerDifferential(t *testing.T) {
	php, autoload := composerSemver(t)
	stack, err := Load(DefaultName)
	require.NoError(t, err)

	versions := append([]string(nil), composerDifferentialVersions...)
	for _, c := range []Component{stack.PHP, stack.Nginx, stack.Composer} {
		for _, l := range c.Lines {
			versions = append(versions, l.Versions...)
		}
	}
	// What kiln selects must satisfy Composer too.
	type selected struct{ constraint, version string }
	var selections []selected
	for _, c := range composerDifferentialConstraints {
		res, err := stack.ResolvePHP(Request{Value: c})
		if err == nil && strings.TrimSpace(c) != "" && !hasPartialWarning(res) {
			selections = append(selections, selected{c, res.Version})
		}
	}
	index := map[string]int{}
	for _, s := range selections {
		if _, ok := index[s.version]; !ok {
			index[s.version] = len(versions)
			versions = append(versions, s.version)
		}
	}

	cmd := exec.Command(php, "-d", "display_errors=stderr", "-d", "error_reporting=E_ALL", "-r",
		composerDifferentialScript[len("<?php\n"):])
	cmd.Env = append(cmd.Environ(), "KILN_COMPOSER_SEMVER="+autoload)
	var want [][]int
	runJSON(t, cmd, map[string]any{"constraints": composerDifferentialConstraints, "versions": versions}, &want)
	require.Len(t, want, len(composerDifferentialConstraints))

	for i, c := range composerDifferentialConstraints {
		t.Run(fmt.Sprintf("%q", c), func(t *testing.T) {
			for j, v := range versions {
				got, err := composerVerdict(c, v)
				assert.Equal(t, want[i][j], got, "ComposerSatisfies(%q, %q) (kiln error: %v)", c, v, err)
			}
		})
	}
	for _, s := range selections {
		i := indexOf(composerDifferentialConstraints, s.constraint)
		assert.Equal(t, 1, want[i][index[s.version]], "kiln selects %s for %q, which Composer refuses", s.version, s.constraint)
	}
}

// composerVerdict is ComposerSatisfies as the reference script reports it:
// 1 satisfied, 0 not, -1 an error.
func composerVerdict(constraint, version string) (int, error) {
	ok, err := ComposerSatisfies(constraint, version)
	switch {
	case err != nil:
		return -1, err
	case ok:
		return 1, nil
	}
	return 0, nil
}

func hasPartialWarning(res Resolution) bool {
	for _, w := range res.Warnings {
		if containsAll(w, "kiln reads", "in Composer's syntax") {
			return true
		}
	}
	return false
}

// TestPHPVersionCompareDifferential compares phpVersionCompare with PHP's
// version_compare on every pair of a list of normalized and raw versions.
func TestPHPVersionCompareDifferential(t *testing.T) {
	php, _ := composerSemver(t)
	versions := []string{
		"8.4.0.0", "8.4.0.0-dev", "8.4.0.0-alpha1", "8.4.0.0-beta2", "8.4.0.0-RC1", "8.4.0.0-patch1", "8.4.0.0-stable",
		"8.4.1.0", "8.10.0.0", "9.0.0.0-dev", "8.4", "8.4.0", "1.0rc1", "1.0pl1", "1.0-p1", "1..2", "1.2", "1.2.", ".5",
		"-1", "1.0_a", "1.0+b", "1.0#1", "2023.01.01.0", "9999999-dev", "8.9999999.9999999.9999999-dev", "", "x", "1a2b3",
		"99999999999999999999.0", "1.0.0.0.0", "1.0.0.0.1",
	}
	const script = `
$in = json_decode(file_get_contents('php://stdin'), true);
$out = [];
foreach ($in as $a) { $row = []; foreach ($in as $b) { $row[] = version_compare($a, $b); } $out[] = $row; }
echo json_encode($out);`
	var want [][]int
	runJSON(t, exec.Command(php, "-d", "display_errors=stderr", "-r", script), versions, &want)
	for i, a := range versions {
		for j, b := range versions {
			assert.Equal(t, want[i][j], phpVersionCompare(a, b), "version_compare(%q, %q)", a, b)
		}
	}
}
