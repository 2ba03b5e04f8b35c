package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/classic"
)

// TestRegistryDetectionOrder checks which registered buildpack builds an app:
// PHP wins when both PHP and Node.js markers are present, since such an app
// is a PHP app that also builds front-end assets with Node.js.
func TestRegistryDetectionOrder(t *testing.T) {
	tests := []struct {
		name      string
		files     []string
		buildpack string // "" when no buildpack detects the app
		detected  string
	}{
		{"empty", nil, "", ""},
		{"only readme", []string{"README.md"}, "", ""},
		{"package.json", []string{"package.json"}, "nodejs", "Node.js"},
		{"meteor", []string{"package.json", ".meteor/release"}, "nodejs", "Node.js (Meteor)"},
		{"composer.json", []string{"composer.json"}, "php", "PHP (composer.json)"},
		{"composer.lock", []string{"composer.lock"}, "php", "PHP (composer.json)"},
		{"index.php", []string{"index.php"}, "php", "PHP (classic)"},
		{"php wins over node", []string{"composer.json", "package.json"}, "php", "PHP (composer.json)"},
		{"classic php with package.json", []string{"index.php", "package.json"}, "php", "PHP (classic)"},
	}
	e := &classic.Engine{Buildpacks: registry()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := t.TempDir()
			for _, f := range tt.files {
				require.NoError(t, os.MkdirAll(filepath.Join(app, filepath.Dir(f)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(app, f), []byte("{}"), 0o644))
			}
			d, err := e.Detect(app)
			require.NoError(t, err)
			assert.Equal(t, tt.buildpack != "", d.Detected())
			if d.Detected() {
				assert.Equal(t, tt.buildpack, d.Buildpack.ID())
			}
			assert.Equal(t, tt.detected, d.Name)
		})
	}
}

// TestForceNamesTheBuild checks --buildpack: the forced buildpack builds the
// app whatever its files, under the name it detects or its default name.
func TestForceNamesTheBuild(t *testing.T) {
	empty := t.TempDir()
	for id, name := range map[string]string{"nodejs": "Node.js", "php": "PHP (classic)"} {
		d, err := (&classic.Engine{Buildpacks: registry(), Force: id}).Detect(empty)
		require.NoError(t, err)
		assert.Equal(t, id, d.Buildpack.ID())
		assert.Equal(t, name, d.Name)
	}
	_, err := (&classic.Engine{Buildpacks: registry(), Force: "ruby"}).Detect(empty)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, `unknown buildpack "ruby"`, u.Msg)
	assert.Equal(t, "Use one of: nodejs, php.", u.Hint)
}
