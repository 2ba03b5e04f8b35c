package stacks

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// oracle is a reference implementation kept running for a whole fuzz run:
// one JSON request per line on its stdin, one JSON answer per line on its
// stdout. Starting node or php per input would make fuzzing crawl.
type oracle struct {
	in  io.WriteCloser
	out *bufio.Scanner
	cmd *exec.Cmd
}

// startOracle starts cmd and sends it init, the first line (the data every
// request is checked against). It is stopped when f ends.
func startOracle(f *testing.F, cmd *exec.Cmd, init any) *oracle {
	f.Helper()
	in, err := cmd.StdinPipe()
	require.NoError(f, err)
	out, err := cmd.StdoutPipe()
	require.NoError(f, err)
	require.NoError(f, cmd.Start())
	o := &oracle{in: in, out: bufio.NewScanner(out), cmd: cmd}
	o.out.Buffer(make([]byte, 1<<20), 16<<20)
	f.Cleanup(func() {
		_ = o.in.Close()
		_ = o.cmd.Process.Kill()
		_ = o.cmd.Wait()
	})
	o.send(f, init)
	return o
}

func (o *oracle) send(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	_, err = o.in.Write(append(b, '\n'))
	require.NoError(t, err)
}

// ask sends one request and decodes the answer into out.
func (o *oracle) ask(t testing.TB, req, out any) {
	t.Helper()
	o.send(t, req)
	if !o.out.Scan() {
		t.Fatalf("the reference implementation stopped answering: %v", o.out.Err())
	}
	require.NoError(t, json.Unmarshal(o.out.Bytes(), out), "answer %s", o.out.Text())
}

// fuzzable reports whether s can be compared with a reference implementation
// at all: JSON carries only valid UTF-8, and NUL bytes end strings in places.
func fuzzable(s string) bool {
	return utf8.ValidString(s) && !slices.Contains([]byte(s), 0) && len(s) <= 512
}

const npmOracleScript = `
const semver = require(process.env.KILN_SEMVER_MODULE);
const rl = require('readline').createInterface({ input: process.stdin });
let probes = null;
rl.on('line', line => {
  const req = JSON.parse(line);
  if (probes === null) { probes = req; return; }
  let out;
  try {
    out = { valid: semver.validRange(req) !== null, satisfied: probes.filter(p => semver.satisfies(p, req)) };
  } catch (e) {
    out = { valid: false, satisfied: [], error: String(e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
`

// FuzzNpmRange compares kiln's npm range grammar with npm's semver package
// on arbitrary input: the same validity, and the same versions satisfied.
func FuzzNpmRange(f *testing.F) {
	for _, r := range npmDifferentialRanges {
		f.Add(r)
	}
	node, module := npmSemverModule(f)
	probes := npmDifferentialProbes()
	stack, err := Load(DefaultName)
	require.NoError(f, err)
	for _, l := range stack.Node.Lines {
		probes = append(probes, l.Versions...)
	}
	cmd := exec.Command(node, "-e", npmOracleScript)
	cmd.Env = append(cmd.Environ(), "KILN_SEMVER_MODULE="+module)
	o := startOracle(f, cmd, probes)

	f.Fuzz(func(t *testing.T, r string) {
		rng, err := parseNpmRange(r)
		if !fuzzable(r) {
			return
		}
		var want struct {
			Valid     bool     `json:"valid"`
			Satisfied []string `json:"satisfied"`
			Error     string   `json:"error"`
		}
		o.ask(t, r, &want)
		require.Equal(t, want.Valid, err == nil, "validity of %q (kiln: %v; npm: %s)", r, err, want.Error)
		if err != nil {
			return
		}
		require.Equal(t, want.Satisfied, satisfiedBy(t, rng, probes), "versions satisfying %q", r)
		// Resolution never fails on a range npm accepts, except by
		// selecting nothing.
		if _, err := stack.ResolveNode(Request{Value: r, Source: "fuzz"}, true); err != nil {
			var re *ResolveError
			require.ErrorAs(t, err, &re, "resolving %q", r)
		}
	})
}

const composerOracleScript = `
require getenv('KILN_COMPOSER_SEMVER');
use Composer\Semver\Semver;
$versions = null;
while (($line = fgets(STDIN)) !== false) {
    $req = json_decode($line, true);
    if ($versions === null) { $versions = $req; continue; }
    $row = [];
    foreach ($versions as $v) {
        try {
            $row[] = Semver::satisfies($v, $req) ? 1 : 0;
        } catch (\Throwable $e) {
            $row[] = -1;
        }
    }
    echo json_encode($row), "\n";
    flush();
}
`

// FuzzComposerConstraint compares ComposerSatisfies with composer/semver's
// Semver::satisfies on arbitrary constraints against a fixed list of
// versions: true, false or an error on both sides.
func FuzzComposerConstraint(f *testing.F) {
	for _, c := range composerDifferentialConstraints {
		f.Add(c)
	}
	php, autoload := composerSemver(f)
	stack, err := Load(DefaultName)
	require.NoError(f, err)
	versions := slices.Clone(composerDifferentialVersions)
	for _, c := range []Component{stack.PHP, stack.Nginx, stack.Composer} {
		for _, l := range c.Lines {
			versions = append(versions, l.Versions...)
		}
	}
	cmd := exec.Command(php, "-d", "display_errors=stderr", "-d", "error_reporting=E_ALL", "-r", composerOracleScript)
	cmd.Env = append(cmd.Environ(), "KILN_COMPOSER_SEMVER="+autoload)
	o := startOracle(f, cmd, versions)

	f.Fuzz(func(t *testing.T, c string) {
		_, _ = stack.ResolvePHP(Request{Value: c})
		if !fuzzable(c) {
			_, _ = ComposerSatisfies(c, "8.4.1")
			return
		}
		var want []int
		o.ask(t, c, &want)
		require.Len(t, want, len(versions))
		for j, v := range versions {
			got, err := composerVerdict(c, v)
			require.Equal(t, want[j], got, "ComposerSatisfies(%q, %q) (kiln error: %v)", c, v, err)
		}
	})
}
