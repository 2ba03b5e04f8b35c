package buildpack

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlatMergesParts(t *testing.T) {
	part := Plan{Buildpack: "nodejs", Name: "Node.js",
		Runtimes: []Runtime{{Name: "node", Version: "24.18.0"}},
		Steps:    []Step{{Name: "install-node"}, {Name: "node-build", Command: []string{"npm", "run", "build"}}},
		Caches:   []string{"node_modules"},
		Settings: map[string]string{"package_manager": "npm"}}
	p := Plan{Buildpack: "php", Name: "PHP (classic)",
		Runtimes:  []Runtime{{Name: "php", Version: "8.4.22"}},
		Steps:     []Step{{Name: "install-php"}, {Name: "assets"}, {Name: "write-profile"}},
		Caches:    []string{"composer"},
		Processes: map[string]string{"web": "boot"},
		Settings:  map[string]string{"framework": "default"},
		Warnings:  []string{"w"},
		Parts:     []Part{{Step: "assets", SettingsPrefix: "node.", Plan: part}}}
	p.Normalize()

	f := p.Flat()
	assert.Nil(t, f.Parts)
	assert.Equal(t, []Runtime{{Name: "php", Version: "8.4.22"}, {Name: "node", Version: "24.18.0"}}, f.Runtimes)
	assert.Equal(t, []Step{{Name: "install-php", Command: []string{}}, {Name: "install-node", Command: []string{}},
		{Name: "node-build", Command: []string{"npm", "run", "build"}}, {Name: "write-profile", Command: []string{}}}, f.Steps)
	assert.Equal(t, []string{"node_modules", "composer"}, f.Caches)
	assert.Equal(t, map[string]string{"framework": "default", "node.package_manager": "npm"}, f.Settings)
	assert.Equal(t, map[string]string{"web": "boot"}, f.Processes)
	assert.Equal(t, []string{"w"}, f.Warnings)
	assert.Len(t, p.Steps, 3, "Flat leaves the plan alone")
	assert.Equal(t, map[string]string{"framework": "default"}, p.Settings, "Flat leaves the plan alone")

	composed, err := json.Marshal(p)
	require.NoError(t, err)
	flat, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, string(flat), string(composed), "the JSON document is the flat form")
	assert.NotContains(t, string(composed), `"assets"`)
}

func TestPlanJSONWithoutParts(t *testing.T) {
	type document Plan
	p := Plan{Buildpack: "nodejs", Steps: []Step{{Name: "npm-ci", Command: []string{"npm", "ci"}, Env: map[string]string{"A": "1"}}}}
	got, err := json.Marshal(p)
	require.NoError(t, err)
	want, err := json.Marshal(document(p))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	var back Plan
	require.NoError(t, json.Unmarshal(got, &back))
	assert.Equal(t, p, back)
}
