package php

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// writeConfig writes kiln's php.ini, the php-includes, the PHP-FPM pool
// additions and boot.json into the slug.
func (c *compiler) writeConfig() error {
	name := "PHP"
	if fw := frameworkByKey(c.set.Framework); fw != nil && fw.Key != "default" {
		name = fw.Name
	}
	c.ctx.Log.Header("Configuring nginx and PHP-FPM for %s (document root /%s)", name, c.set.DocumentRoot)
	app := c.ctx.AppDir
	for _, d := range []string{phpConfDir, phpScanDir, fpmIncDir} {
		if err := os.RemoveAll(filepath.Join(app, d)); d != phpConfDir && err != nil {
			return fmt.Errorf("clearing %s: %w", d, err)
		}
		if err := os.MkdirAll(filepath.Join(app, d), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	ini := boot.PHPIni{Config: c.set.PHPConfig}
	if c.set.RuntimeSource == sourceRepository {
		ini.ExtensionDir = "${KILN_APP_DIR}/vendor/php/lib/php/extensions/no-debug-non-zts-" + zendAPI(c.phpVersion)
	}
	text, err := boot.RenderPHPIni(ini)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(app, phpIniPath), []byte(strings.TrimRight(text, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing php.ini: %w", err)
	}
	if err := c.copyIncludes(c.set.PHPIncludes, phpScanDir, ".ini"); err != nil {
		return err
	}
	if err := c.copyIncludes(c.set.PHPFPMIncludes, fpmIncDir, ".conf"); err != nil {
		return err
	}
	if lines := c.set.PHPFPMConfig; len(lines) > 0 {
		body := fpmConfigFile(lines)
		if err := writeFileAtomic(filepath.Join(app, fpmIncDir, boot.FPMConfigName), []byte(body), 0o644); err != nil {
			return fmt.Errorf("writing the PHP-FPM configuration: %w", err)
		}
	}
	data, err := c.bootConfig().Marshal()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(app, bootJSONPath), data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", bootJSONPath, err)
	}
	return nil
}

// copyIncludes copies app files into a configuration directory, in order,
// with the suffix the directory's reader looks for.
func (c *compiler) copyIncludes(files []string, dir, suffix string) error {
	for i, f := range files {
		name := fmt.Sprintf("50-%02d-%s", i+1, path.Base(f))
		if !strings.HasSuffix(name, suffix) {
			name += suffix
		}
		src := filepath.Join(c.ctx.AppDir, filepath.FromSlash(f))
		if err := copyFile(src, filepath.Join(c.ctx.AppDir, dir, name), 0o644); err != nil {
			return fmt.Errorf("copying %s into %s: %w", f, dir, err)
		}
	}
	return nil
}

// bootConfig gathers the plan's settings for the boot command, with the
// nginx rules of the framework (the default ones for an unknown key).
func (c *compiler) bootConfig() *boot.Config {
	fw := frameworkByKey(c.set.Framework)
	if fw == nil {
		d := defaultFramework()
		fw = &d
	}
	return &boot.Config{
		RuntimeSource:     c.set.RuntimeSource,
		PHPFPM:            c.phpFPM,
		Nginx:             c.nginx,
		Framework:         c.set.Framework,
		Site:              fw.site(),
		DocumentRoot:      c.set.DocumentRoot,
		IndexDocument:     c.set.IndexDocument,
		NginxIncludes:     c.set.NginxIncludes,
		NginxHTTPIncludes: c.set.NginxHTTPIncludes,
		AccessLogFormat:   c.set.AccessLogFormat,
		LogFiles:          c.set.LogFiles,
		APM:               c.set.APM,
	}
}

// installBoot ships the running kiln binary in the slug as the boot command.
func (c *compiler) installBoot() error {
	if c.ctx.Executable == "" {
		return fmt.Errorf("cannot ship the boot command: the path of the kiln executable is unknown")
	}
	dest := filepath.Join(c.ctx.AppDir, bootBinary)
	if err := copyFile(c.ctx.Executable, dest, 0o755); err != nil {
		return fmt.Errorf("copying the kiln binary into the slug: %w", err)
	}
	c.ctx.Log.Info("The web process runs %s", WebCommand)
	return c.writeProcfileShim()
}

// writeProfile writes .profile.d/php.sh and removes the WEB_CONCURRENCY
// script a Node.js step may have left: the boot command sizes PHP-FPM.
func (c *compiler) writeProfile() error {
	src := c.set.RuntimeSource
	dirs := boot.BinDirs(src, "$HOME")
	lines := []string{
		"# Written by kiln's PHP buildpack.",
		`export KILN_APP_DIR="$HOME"`,
		`export PATH="` + strings.Join(dirs, ":") + `:$PATH"`,
		`export PHPRC="$HOME/` + phpIniPath + `"`,
		`export PHP_INI_SCAN_DIR="` + boot.ScanDirs(src, "$HOME") + `"`,
		`export APP_ENV="${APP_ENV:-prod}"`,
		`export PHP_FPM_MAX_REQUESTS="${PHP_FPM_MAX_REQUESTS:-0}"`,
	}
	body := strings.Join(lines, "\n") + "\n"
	// Checked again here: a build command may have made .profile.d a link.
	if err := buildpack.RefuseEscapes(c.ctx.AppDir, profilePath); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(c.ctx.AppDir, profilePath), []byte(body), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", profilePath, err)
	}
	wc := filepath.Join(c.ctx.AppDir, ".profile.d", "WEB_CONCURRENCY.sh")
	if err := os.Remove(wc); err == nil {
		c.ctx.Log.Info("Removed .profile.d/WEB_CONCURRENCY.sh: PHP-FPM sizes itself at boot")
	} else if !os.IsNotExist(err) {
		return fmt.Errorf("removing %s: %w", wc, err)
	}
	return nil
}

// checkConfig renders the configuration the boot command will render, with
// the build's environment standing for the runtime's, and has nginx and
// PHP-FPM test it: a configuration they refuse fails the build, not the
// boot.
func (c *compiler) checkConfig() error {
	notes, err := boot.Check(c.ctx.Context(), boot.CheckOptions{AppDir: c.ctx.AppDir, Env: c.ctx.Env, Runner: c.ctx.Runner})
	if err != nil {
		return err
	}
	for _, n := range notes {
		c.ctx.Log.Info("%s", n)
	}
	c.ctx.Log.Info("nginx and PHP-FPM accept the configuration")
	return nil
}

// writeExport writes the export file of the classic API when the platform
// asks for one ($BP_DIR/export): the step's variables as shell exports,
// with the build's paths in place of the placeholders. The buildpacks that
// run after PHP source it, so $PATH and ${APP_ENV:-...} expand then.
// Failing to write it only earns a warning: the app itself is built.
func (c *compiler) writeExport() error {
	path := c.ctx.ExportFile
	step := c.plan.Step(stepWriteExport)
	if path == "" || step == nil {
		return nil
	}
	q := func(s string) string {
		return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`).Replace(s)
	}
	r := strings.NewReplacer(phAppDir, q(c.ctx.AppDir), phCacheDir, q(c.cacheDir()), phBuildTmp, q(c.tmp))
	var b strings.Builder
	b.WriteString("# Written by kiln's PHP buildpack for the buildpacks that run after it.\n")
	for _, k := range slices.Sorted(maps.Keys(step.Env)) {
		fmt.Fprintf(&b, "export %s=\"%s\"\n", k, r.Replace(step.Env[k]))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		c.ctx.Log.Warn("Could not write the export file for the next buildpacks: %v", err)
	}
	return nil
}
