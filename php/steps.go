package php

import (
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// Placeholders in step environments, expanded by compile.
const (
	phAppDir   = "${APP_DIR}"
	phCacheDir = "${CACHE_DIR}"
	phBuildTmp = "${BUILD_TMP}"
)

// steps lays out the build in order; the step table (steptable.go) says
// how compile carries out each step.
func (pl *planner) steps() error {
	add := func(s ...buildpack.Step) { pl.p.Steps = append(pl.p.Steps, s...) }
	add(buildpack.Step{Name: stepInstallPHP}, buildpack.Step{Name: stepInstallNginx})
	if pl.composerApp() {
		add(buildpack.Step{Name: stepInstallComposer})
	}
	add(buildpack.Step{Name: stepWriteConfig})
	if len(pl.set.Extensions) > 0 {
		add(buildpack.Step{Name: stepInstallExtensions})
	}
	if len(pl.set.APM) > 0 {
		add(buildpack.Step{Name: stepInstallAPM})
	}
	if err := pl.nodeSteps(); err != nil {
		return err
	}
	if pl.composerApp() {
		add(pl.composerStep())
		pl.planVendorCache()
		pl.p.Caches = append(pl.p.Caches, "composer")
	}
	for i, cmd := range pl.paas.Compile {
		add(buildpack.Step{Name: stepCompilePrefix + strconv.Itoa(i+1), Command: []string{"sh", "-c", cmd}, Env: pl.phpEnv()})
	}
	if pl.fw.Family == "symfony" && fileExists(pl.ctx.AppDir, "bin/console") {
		add(buildpack.Step{Name: stepSymfonyWarmup, Env: pl.phpEnv(),
			Command: []string{"php", "bin/console", "cache:warmup", "--env=" + pl.set.AppEnv, "--no-debug"}})
	}
	add(buildpack.Step{Name: stepInstallBoot}, buildpack.Step{Name: stepWriteProfile}, buildpack.Step{Name: stepCheckConfig},
		buildpack.Step{Name: stepWriteExport, Env: pl.exportVars()})
	if pl.source == sourceRepository {
		pl.p.Caches = append(pl.p.Caches, "downloads")
	}
	return nil
}

// composerStep installs the app's dependencies.
func (pl *planner) composerStep() buildpack.Step {
	cmd := []string{"composer"}
	if pl.source == sourceRepository {
		cmd = []string{"php", composerPhar}
	}
	cmd = append(cmd, "install", "--prefer-dist", "--optimize-autoloader", "--no-interaction", "--no-progress")
	if !pl.env.Bool("COMPOSER_DEV") {
		cmd = append(cmd, "--no-dev")
	}
	env := pl.phpEnv()
	env["COMPOSER_CACHE_DIR"] = phCacheDir + "/composer"
	env["COMPOSER_HOME"] = phBuildTmp + "/composer-home"
	env["COMPOSER_MIRROR_PATH_REPOS"] = "1"
	return buildpack.Step{Name: stepComposerInstall, Command: cmd, Env: env}
}

// phpEnv is the environment of build commands that run PHP: kiln's php.ini
// and scan directory, the runtime on PATH, APP_ENV defaulting to prod.
func (pl *planner) phpEnv() map[string]string {
	env := runPHPEnv(pl.source)
	if _, ok := pl.env.Lookup("APP_ENV"); !ok {
		env["APP_ENV"] = "prod"
	}
	return env
}

// exportVars are the variables of the export file for the buildpacks that
// run after PHP: its programs and Composer on PATH (before theirs, so the
// slug's PHP wins), kiln's php.ini and scan directory, APP_ENV.
func (pl *planner) exportVars() map[string]string {
	env := runPHPEnv(pl.source)
	env["PATH"] = strings.Join(append(boot.BinDirs(pl.source, phAppDir), "$PATH"), ":")
	env["APP_ENV"] = "${APP_ENV:-" + pl.set.AppEnv + "}"
	return env
}

// composerPhar is where the repository's Composer is installed.
const composerPhar = "vendor/composer/bin/composer"

// runPHPEnv is the environment of a build command that runs PHP from a
// runtime source: kiln's php.ini and scan directory, and the runtime's
// programs on PATH, the same directories as the boot command's
// (boot.ScanDirs, boot.BinDirs).
func runPHPEnv(source string) map[string]string {
	return map[string]string{
		"KILN_APP_DIR":     phAppDir,
		"PHPRC":            phAppDir + "/" + phpIniPath,
		"PHP_INI_SCAN_DIR": boot.ScanDirs(source, phAppDir),
		"PATH":             strings.Join(append(boot.BinDirs(source, phAppDir), "${PATH}"), ":"),
	}
}
