package local

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ReleaseFile is where a local build writes the release inside the slug, so
// the slug carries everything `kiln run` needs wherever it is moved.
const ReleaseFile = ".kiln/release.yml"

// Release is a built slug's process types and config vars.
type Release struct {
	Buildpack  string            `yaml:"buildpack"`
	Stack      string            `yaml:"stack"`
	Processes  map[string]string `yaml:"processes"`
	ConfigVars map[string]string `yaml:"config_vars"`
}

func writeRelease(slug string, r Release) error {
	b, err := yaml.Marshal(r)
	if err != nil {
		return fmt.Errorf("rendering release: %w", err)
	}
	p := filepath.Join(slug, ReleaseFile)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("writing release: %w", err)
	}
	return os.WriteFile(p, b, 0o644)
}

// ReadRelease reads the release of a slug directory.
func ReadRelease(slug string) (Release, error) {
	var r Release
	b, err := os.ReadFile(filepath.Join(slug, ReleaseFile))
	if err != nil {
		return r, fmt.Errorf("%s is not a kiln slug (no %s): %w", slug, ReleaseFile, err)
	}
	if err := yaml.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("reading %s: %w", ReleaseFile, err)
	}
	return r, nil
}

var procfileLine = regexp.MustCompile(`^([A-Za-z0-9_-]+):\s*(.+)$`)

// readProcfile parses the app's Procfile; a missing file yields nil.
func readProcfile(dir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(dir, "Procfile"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := procfileLine.FindStringSubmatch(line); m != nil {
			out[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out, sc.Err()
}
