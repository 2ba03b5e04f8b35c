package php

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/stacks"
)

// TestExportFile sources the export file as a following buildpack would:
// the slug's PHP, nginx and Composer come first on PATH, with kiln's
// php.ini.
func TestExportFile(t *testing.T) {
	st, err := stacks.Load("")
	require.NoError(t, err)
	ctx := &buildpack.Context{Ctx: context.Background(), AppDir: "../fixtures/php-laravel", Env: buildpacktest.RepositoryEnv(), Stack: st,
		Log: buildpack.Discard(), Runner: &buildpacktest.RecordingRunner{}, Report: &buildpack.Report{}}
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	require.NotNil(t, p.Step(stepWriteExport))
	p.Steps = []buildpack.Step{*p.Step(stepWriteExport)}
	app := filepath.Join(t.TempDir(), `build "$x"`)
	require.NoError(t, os.MkdirAll(app, 0o755))
	export := filepath.Join(t.TempDir(), "export")
	ctx.AppDir, ctx.CacheDir, ctx.ExportFile = app, t.TempDir(), export
	require.NoError(t, Buildpack{}.Compile(ctx, p))

	cmd := exec.Command("bash", "-c", `. "$1"; printf '%s\n' "$PATH" "$PHPRC" "$PHP_INI_SCAN_DIR" "$APP_ENV" "$KILN_APP_DIR"`, "bash", export)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 5)
	assert.Equal(t, app+"/vendor/php/bin:"+app+"/vendor/php/sbin:"+app+"/vendor/nginx/sbin:"+app+"/vendor/composer/bin:"+app+"/vendor/bin:/usr/bin:/bin", lines[0])
	assert.Equal(t, app+"/.kiln/php/php.ini", lines[1])
	assert.Equal(t, app+"/vendor/php/etc/conf.d:"+app+"/.kiln/php/conf.d", lines[2])
	assert.Equal(t, "prod", lines[3])
	assert.Equal(t, app, lines[4])

	// The app's APP_ENV wins; no export file asked for: nothing written,
	// and an unwritable one is only a warning.
	cmd = exec.Command("bash", "-c", `. "$1"; echo "$APP_ENV"`, "bash", export)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "APP_ENV=staging"}
	out, err = cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "staging\n", string(out))
	require.NoError(t, os.Remove(export))
	ctx.ExportFile = ""
	require.NoError(t, Buildpack{}.Compile(ctx, p))
	assert.NoFileExists(t, export)
	ctx.ExportFile = filepath.Join(t.TempDir(), "missing", "export")
	require.NoError(t, Buildpack{}.Compile(ctx, p))
}
