package buildpacktest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSeed is one input of a fuzz target's committed seed corpus: its file
// name and the target's arguments, in order.
type FuzzSeed struct {
	Name string
	Args []any
}

// FuzzSeeds keeps the committed seed corpus of a fuzz target,
// testdata/fuzz/<target>/<name> in the package under test, in the format of
// `go test -fuzz`. With update it writes the files; otherwise it checks
// that each exists, so that a corpus built from fixtures is not lost. Seeds
// the fuzzer itself wrote there (crashers kept as regression inputs) are
// left alone.
func FuzzSeeds(t *testing.T, target string, seeds []FuzzSeed, update bool) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	for _, s := range seeds {
		path := filepath.Join(dir, s.Name)
		if !update {
			_, err := os.Stat(path)
			require.NoError(t, err, "seed %s of %s missing; run go test -run TestFuzzSeeds -update in this package", s.Name, target)
			continue
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range s.Args {
			b.WriteString(fuzzLiteral(t, a))
			b.WriteByte('\n')
		}
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
}

// fuzzLiteral spells v as the fuzz corpus format does (Go literals).
func fuzzLiteral(t *testing.T, v any) string {
	switch v := v.(type) {
	case string:
		return "string(" + strconv.Quote(v) + ")"
	case []byte:
		return "[]byte(" + strconv.Quote(string(v)) + ")"
	case uint8:
		return fmt.Sprintf("byte(%d)", v)
	case int:
		return fmt.Sprintf("int(%d)", v)
	case bool:
		return fmt.Sprintf("bool(%t)", v)
	}
	t.Fatalf("fuzz seed argument of type %T is not supported", v)
	return ""
}
