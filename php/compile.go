package php

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
)

// Compile implements buildpack.Buildpack: it carries out the plan's steps in
// order, running commands through ctx.Runner and doing the built-in steps
// itself. The step of the Node.js assets part hands that part to the asset
// builder.
func (b Buildpack) Compile(ctx *buildpack.Context, p buildpack.Plan) error {
	tmp, err := os.MkdirTemp("", "kiln-php-build-")
	if err != nil {
		return fmt.Errorf("creating build temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	c := &compiler{ctx: ctx, plan: p, set: p.Settings, tmp: tmp}
	defer c.waitVendorSpare(true)
	for _, s := range p.Steps {
		if part := p.Part(s.Name); part != nil {
			if b.Assets == nil {
				return fmt.Errorf("plan step %q: the PHP buildpack has no asset builder", s.Name)
			}
			ctx.Log.Header("Building the Node.js assets")
			if err := b.Assets.Compile(ctx, part.Plan); err != nil {
				return err
			}
			continue
		}
		start := time.Now()
		err := c.step(s)
		ctx.Report.Step(s.Name, time.Since(start))
		if err != nil {
			return err
		}
	}
	c.waitVendorSpare(false)
	c.checkSharedVendor()
	return nil
}

// compiler carries what the steps learn for the steps after them.
type compiler struct {
	ctx  *buildpack.Context
	plan buildpack.Plan
	set  map[string]string
	tmp  string
	// phpVersion is the installed PHP's version.
	phpVersion string
	// phpFPM and nginx are the programs the boot command starts: slug
	// relative for the repository, absolute host paths for the system.
	phpFPM, nginx string
	// compileHeader is set once the compile commands' header is printed.
	compileHeader bool
	// sharedVendor is set when vendor/ shares files with the saved tree
	// (saved or restored by this build).
	sharedVendor *vendorCache
	// spare is the spare of the saved vendor/ being linked in the
	// background for the next build; Compile waits for it before checking
	// the saved tree (checkSharedVendor), which may drop it.
	spare *vendorSpare
	// composerVersion is the installed Composer's version.
	composerVersion string
	// mods are the extensions PHP loads, as `php -m` last listed them; nil
	// when not asked yet or when a step changed the configuration since.
	mods map[string]bool
}

// builtins maps built-in step names to their implementation.
func builtins() map[string]func(*compiler) error {
	return map[string]func(*compiler) error{
		stepInstallPHP:        (*compiler).installPHP,
		stepInstallNginx:      (*compiler).installNginx,
		stepInstallComposer:   (*compiler).installComposer,
		stepWriteConfig:       (*compiler).writeConfig,
		stepInstallExtensions: (*compiler).installExtensions,
		stepInstallAPM:        (*compiler).installAPM,
		stepInstallBoot:       (*compiler).installBoot,
		stepWriteProfile:      (*compiler).writeProfile,
	}
}

// step carries out one step.
func (c *compiler) step(s buildpack.Step) error {
	if len(s.Command) == 0 {
		fn, ok := builtins()[s.Name]
		if !ok {
			return fmt.Errorf("plan step %q has no command and is not a PHP build step", s.Name)
		}
		return fn(c)
	}
	switch {
	case s.Name == stepComposerInstall:
		return c.composerInstall(s)
	case strings.HasPrefix(s.Name, stepCompilePrefix):
		if !c.compileHeader {
			c.ctx.Log.Header("Running compile commands")
			c.compileHeader = true
		}
		c.ctx.Log.Info("Running '%s'", s.Command[len(s.Command)-1])
	case s.Name == stepSymfonyWarmup:
		c.ctx.Log.Header("Warming up the Symfony cache")
	}
	err := c.run(s, nil)
	if err != nil && s.Name == stepSymfonyWarmup {
		c.ctx.Log.Warn("Warming up the Symfony cache failed (%v); the app warms it on first use.", err)
		return nil
	}
	return err
}

// run executes a command step; stdout, when given, captures its output
// instead of logging it.
func (c *compiler) run(s buildpack.Step, stdout *bytes.Buffer) error {
	env := c.ctx.Env
	for k, v := range s.Env {
		env = env.With(k, c.expand(v))
	}
	w := c.ctx.Log.Writer()
	defer w.Flush()
	cmd := buildpack.Cmd{Name: s.Command[0], Args: s.Command[1:], Dir: filepath.Join(c.ctx.AppDir, s.Dir),
		Env: env, Stdout: w, Stderr: w}
	if stdout != nil {
		cmd.Stdout = stdout
	}
	err := c.ctx.Runner.Run(c.ctx.Context(), cmd)
	var ee *buildpack.ExitError
	if errors.As(err, &ee) {
		return &buildpack.ExitError{Step: s.Name, Code: ee.Code, Err: ee.Err}
	}
	if err != nil {
		return fmt.Errorf("step %s: %w", s.Name, err)
	}
	return nil
}

// expand fills the placeholders of a step's environment value.
func (c *compiler) expand(v string) string {
	return os.Expand(v, func(name string) string {
		switch name {
		case "APP_DIR":
			return c.ctx.AppDir
		case "CACHE_DIR":
			return c.cacheDir()
		case "BUILD_TMP":
			return c.tmp
		}
		return c.ctx.Env.Get(name)
	})
}

// cacheDir is the build cache, or a throw-away directory without one.
func (c *compiler) cacheDir() string {
	if c.ctx.CacheDir == "" {
		return filepath.Join(c.tmp, "cache")
	}
	return c.ctx.CacheDir
}

// phpStep is a command step with the PHP build environment, for the
// built-in steps that run PHP.
func (c *compiler) phpStep(name string, cmd ...string) buildpack.Step {
	app := phAppDir
	env := map[string]string{
		"KILN_APP_DIR":     app,
		"PHPRC":            app + "/" + phpIniPath,
		"PHP_INI_SCAN_DIR": scanDirs(c.set[setRuntimeSource], app),
		"PATH":             strings.Join(append(binDirs(c.set[setRuntimeSource], app), "${PATH}"), ":"),
	}
	return buildpack.Step{Name: name, Command: cmd, Env: env}
}

// runtimeDesc describes a runtime's request for output:
// `(from composer.json require.php "~8.4")`.
func runtimeDesc(rt *buildpack.Runtime) string {
	if rt == nil || rt.Requested == "" {
		return "(default)"
	}
	return fmt.Sprintf("(from %s %q)", rt.Source, rt.Requested)
}
