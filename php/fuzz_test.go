package php

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/internal/goldenflag"
)

// FuzzPHPPlan plans an app made of arbitrary composer.json, composer.lock
// and Procfile contents (an empty string is a missing file). Planning must
// never panic, and whatever it refuses must be a user error.
func FuzzPHPPlan(f *testing.F) {
	f.Add(`{"require":{"php":"^8.2"},"extra":{"paas":{"document-root":"public"}}}`, `{"packages":[],"platform":{"php":"^8.2"}}`,
		"web: vendor/bin/heroku-php-nginx -C nginx.conf public/\n")
	f.Fuzz(func(t *testing.T, composerJSON, composerLock, procfile string) {
		buildpacktest.PlanAnything(t, Buildpack{}, map[string]string{"index.php": "<?php echo 1;",
			"composer.json": composerJSON, "composer.lock": composerLock, "Procfile": procfile})
	})
}

// TestFuzzSeeds keeps the committed seed corpus of FuzzPHPPlan: each PHP
// fixture's Composer files and Procfile (-update rewrites it).
func TestFuzzSeeds(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "fixtures", "php-*"))
	require.NoError(t, err)
	var seeds []buildpacktest.FuzzSeed
	for _, d := range dirs {
		if dirExists(d, "app") {
			d = filepath.Join(d, "app")
		}
		read := func(name string) string {
			b, _ := os.ReadFile(filepath.Join(d, name))
			return string(b)
		}
		name := filepath.Base(d)
		if name == "app" {
			name = filepath.Base(filepath.Dir(d))
		}
		seeds = append(seeds, buildpacktest.FuzzSeed{Name: name, Args: []any{
			read("composer.json"), read("composer.lock"), read("Procfile")}})
	}
	require.NotEmpty(t, seeds)
	buildpacktest.FuzzSeeds(t, "FuzzPHPPlan", seeds, goldenflag.Update())
}
