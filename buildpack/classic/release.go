package classic

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/kiln-dev/kiln/buildpack"
)

// Release is the document bin/release prints.
type Release struct {
	Addons              []string          `yaml:"addons"`
	ConfigVars          map[string]string `yaml:"config_vars,omitempty"`
	DefaultProcessTypes map[string]string `yaml:"default_process_types"`
}

// ReleaseOf derives the release from a plan.
func ReleaseOf(p buildpack.Plan) Release {
	procs := map[string]string{}
	for k, v := range p.Processes {
		procs[k] = v
	}
	return Release{Addons: []string{}, DefaultProcessTypes: procs}
}

// YAML renders the release as bin/release prints it.
func (r Release) YAML() ([]byte, error) {
	b, err := yaml.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("rendering release: %w", err)
	}
	return append([]byte("---\n"), b...), nil
}

// Release plans the app in buildDir and returns its release YAML.
func (e *Engine) Release(buildDir string) ([]byte, error) {
	p, err := e.prepare(buildDir, "", true)
	if err != nil {
		return nil, err
	}
	return ReleaseOf(p.Plan).YAML()
}
