package goldenflag

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryTestPackageAcceptsUpdate fails when a package with tests does not
// import this package: `go test ./... -update` would then stop with "flag
// provided but not defined" in that package.
func TestEveryTestPackageAcceptsUpdate(t *testing.T) {
	const imp = `"github.com/kiln-dev/kiln/internal/goldenflag"`
	root := filepath.Join("..", "..")
	withTests := map[string]bool{}
	importing := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "fixtures", "node_modules", "testdata", ".git", ".kiln", "dist":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		withTests[dir] = true
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), imp) {
			importing[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(withTests) < 5 {
		t.Fatalf("found only %d test packages under %s", len(withTests), root)
	}
	for dir := range withTests {
		if !importing[dir] {
			t.Errorf("%s has tests but does not import %s (add a goldenflag_test.go like the other packages)", dir, imp)
		}
	}
}
