package php

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// planPHPFiles plans an app made of files on the default stack.
func planPHPFiles(t *testing.T, files map[string]string, env buildpack.Env) error {
	t.Helper()
	_, _, err := buildpacktest.PlanApp(t, Buildpack{}, files, env)
	return err
}

// TestComposerJSONWithBOMIsNamed: Composer refuses a byte order mark; kiln
// says that is what is wrong, rather than "invalid character 'ï'".
func TestComposerJSONWithBOMIsNamed(t *testing.T) {
	for _, name := range []string{"composer.json", "composer.lock"} {
		files := map[string]string{"index.php": "<?php", "composer.json": `{"require":{"php":"^8.2"}}`, "composer.lock": `{"packages":[]}`}
		files[name] = "\xef\xbb\xbf" + files[name]
		u, ok := buildpack.AsUserError(planPHPFiles(t, files, nil))
		require.True(t, ok, name)
		assert.Equal(t, name+" starts with a byte order mark (BOM), which Composer refuses", u.Msg)
		assert.Contains(t, u.Hint, "without BOM")
	}
}

// TestBinaryProcfileFailsThePHPPlan: a Procfile that is not text fails at
// plan time, with the line.
func TestBinaryProcfileFailsThePHPPlan(t *testing.T) {
	u, ok := buildpack.AsUserError(planPHPFiles(t, map[string]string{"index.php": "<?php", "Procfile": "web: vendor/bin/heroku-php-nginx\n\x7fELF\x02\x01\x01\x00"}, nil))
	require.True(t, ok)
	assert.Equal(t, "Procfile is not a text file: line 2 holds a NUL byte", u.Msg)
}

// TestBadFrameworkVariableIsNamed: a classic app's FRAMEWORK names the
// variable, not composer.json, which the app does not have.
func TestBadFrameworkVariableIsNamed(t *testing.T) {
	u, ok := buildpack.AsUserError(planPHPFiles(t, map[string]string{"index.php": "<?php"}, buildpack.Env{"FRAMEWORK": "banana"}))
	require.True(t, ok)
	assert.Equal(t, `The FRAMEWORK variable: framework "banana" is not one kiln knows`, u.Msg)
	assert.Contains(t, u.Hint, "laravel")
}
