package php

import (
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// Step names, as plans record them.
const (
	stepInstallPHP        = "install-php"
	stepInstallNginx      = "install-nginx"
	stepInstallComposer   = "install-composer"
	stepWriteConfig       = "write-config"
	stepInstallExtensions = "install-extensions"
	stepInstallAPM        = "install-apm"
	stepBuildAssets       = "build-assets"
	stepComposerInstall   = "composer-install"
	stepCompilePrefix     = "compile-"
	stepSymfonyWarmup     = "symfony-cache-warmup"
	stepInstallBoot       = "install-boot"
	stepWriteProfile      = "write-profile"
	stepCheckConfig       = "check-config"
	stepWriteExport       = "write-php-export"
)

// stepSpec is everything Compile knows of one step name. The planner
// (steps.go) decides which steps a build has, in which order, and their
// commands; this table says how each is carried out. Adding a step means
// an entry here and a line in the planner.
type stepSpec struct {
	// prefix makes the entry stand for every step whose name starts with
	// its key (compile-1, compile-2, ...).
	prefix bool
	// header is printed before the step is carried out; "" when the step
	// prints its own (with what it learns as it runs) or none.
	header string
	// headerOnce prints the header only before the first step of the
	// entry in a build.
	headerOnce bool
	// builtin carries out the step when the plan gives it no command.
	builtin func(*compiler) error
	// command carries out the step when it has a command, instead of
	// running the command through the Runner (compiler.run).
	command func(*compiler, buildpack.Step) error
	// part marks the step that hands the plan's part of the same name
	// (buildpack.Plan.Part) to the asset builder (Buildpack.Assets). It is
	// not timed as a step: the part's steps report their own times.
	part bool
	// failureWarning, when set, makes a failure of the step's command a
	// warning (this format, with the error as its one argument) and the
	// build goes on.
	failureWarning string
	// changesModules marks the steps after which PHP loads other
	// extensions: the compiler forgets the last `php -m` listing.
	changesModules bool
}

// steps is the step table of the PHP buildpack, keyed by step name (or
// name prefix).
func steps() map[string]stepSpec {
	return map[string]stepSpec{
		stepInstallPHP:        {builtin: (*compiler).installPHP},
		stepInstallNginx:      {builtin: (*compiler).installNginx},
		stepInstallComposer:   {builtin: (*compiler).installComposer},
		stepWriteConfig:       {builtin: (*compiler).writeConfig},
		stepInstallExtensions: {builtin: (*compiler).installExtensions},
		stepInstallAPM:        {builtin: (*compiler).installAPM, changesModules: true},
		stepBuildAssets:       {header: "Building the Node.js assets", part: true},
		stepComposerInstall:   {header: "Installing application dependencies with Composer", command: (*compiler).composerInstall},
		stepCompilePrefix:     {prefix: true, header: "Running compile commands", headerOnce: true, command: (*compiler).compileCommand},
		stepSymfonyWarmup: {header: "Warming up the Symfony cache",
			failureWarning: "Warming up the Symfony cache failed (%v); the app warms it on first use."},
		stepInstallBoot:  {builtin: (*compiler).installBoot},
		stepWriteProfile: {builtin: (*compiler).writeProfile},
		stepCheckConfig: {header: "Checking the nginx and PHP-FPM configuration (nginx -t, php-fpm -t)",
			builtin: (*compiler).checkConfig},
		stepWriteExport: {builtin: (*compiler).writeExport},
	}
}

// stepFor finds a step's entry, by its name or by a prefix of it, and
// returns the entry's key with it.
func stepFor(table map[string]stepSpec, name string) (string, stepSpec, bool) {
	if spec, ok := table[name]; ok && !spec.prefix {
		return name, spec, true
	}
	for key, spec := range table {
		if spec.prefix && strings.HasPrefix(name, key) {
			return key, spec, true
		}
	}
	return "", stepSpec{}, false
}
