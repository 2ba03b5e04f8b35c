package php

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/runtimes/repo"
)

// Compile implements buildpack.Buildpack: it carries out the plan's steps in
// order, each as the step table says (steps): built-in steps itself,
// commands through ctx.Runner, the step of the Node.js assets part by
// handing that part to the asset builder.
func (b Buildpack) Compile(ctx *buildpack.Context, p buildpack.Plan) error {
	set, err := decodeSettings(p.Settings)
	if err != nil {
		return fmt.Errorf("reading the PHP plan: %w", err)
	}
	tmp, err := os.MkdirTemp("", "kiln-php-build-")
	if err != nil {
		return fmt.Errorf("creating build temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	keys, _, err := runtimeKeys(ctx.Env, b.RuntimeKeys)
	if err != nil {
		return err
	}
	c := &compiler{ctx: ctx, plan: p, set: set, tmp: tmp, assets: b.Assets, steps: steps(), headed: map[string]bool{}, keys: keys}
	defer c.waitVendorSpare(true)
	for _, s := range p.Steps {
		if err := c.step(s); err != nil {
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
	// set is the plan's settings, decoded.
	set settings
	tmp string
	// assets builds the plan's Node.js assets part (Buildpack.Assets).
	assets buildpack.AssetBuilder
	// steps is the step table.
	steps map[string]stepSpec
	// headed holds the entries of the step table whose header is printed
	// once (stepSpec.headerOnce) and was.
	headed map[string]bool
	// phpVersion is the installed PHP's version.
	phpVersion string
	// phpFPM and nginx are the programs the boot command starts: slug
	// relative for the repository, absolute host paths for the system.
	phpFPM, nginx string
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
	// keys verify the repository's manifests (runtimeKeys).
	keys []ed25519.PublicKey
	// manifests are the verified manifests read so far, by repository
	// directory (compiler.manifest).
	manifests map[string]*repo.Manifest
}

// step carries out one step as its entry of the step table says, and
// reports its time.
func (c *compiler) step(s buildpack.Step) error {
	key, spec, _ := stepFor(c.steps, s.Name)
	if spec.part {
		return c.buildPart(s, spec)
	}
	start := time.Now()
	err := c.carryOut(s, key, spec)
	c.ctx.Report.Step(s.Name, time.Since(start))
	return err
}

// carryOut runs a step's built-in function, or its command (through the
// entry's runner when it has one). A command step the table does not know
// runs as it is.
func (c *compiler) carryOut(s buildpack.Step, key string, spec stepSpec) error {
	if len(s.Command) == 0 && spec.builtin == nil {
		return fmt.Errorf("plan step %q has no command and is not a PHP build step", s.Name)
	}
	if spec.header != "" && !c.headed[key] {
		c.ctx.Log.Header("%s", spec.header)
		if spec.headerOnce {
			c.headed[key] = true
		}
	}
	var err error
	switch {
	case len(s.Command) == 0:
		err = spec.builtin(c)
	case spec.command != nil:
		err = spec.command(c, s)
	default:
		err = c.run(s, nil)
	}
	if err != nil && spec.failureWarning != "" {
		c.ctx.Log.Warn(spec.failureWarning, err)
		return nil
	}
	if err == nil && spec.changesModules {
		c.mods = nil
	}
	return err
}

// buildPart hands the plan's part of the step to the asset builder.
func (c *compiler) buildPart(s buildpack.Step, spec stepSpec) error {
	part := c.plan.Part(s.Name)
	if part == nil {
		return fmt.Errorf("plan step %q has no part of the plan to carry out", s.Name)
	}
	if c.assets == nil {
		return fmt.Errorf("plan step %q: the PHP buildpack has no asset builder", s.Name)
	}
	c.ctx.Log.Header("%s", spec.header)
	return c.assets.Compile(c.ctx, part.Plan)
}

// compileCommand runs one of extra.paas's compile commands, naming it
// first.
func (c *compiler) compileCommand(s buildpack.Step) error {
	c.ctx.Log.Info("Running '%s'", s.Command[len(s.Command)-1])
	return c.run(s, nil)
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
	return buildpack.Step{Name: name, Command: cmd, Env: runPHPEnv(c.set.RuntimeSource)}
}

// runtimeDesc describes a runtime's request for output:
// `(from composer.json require.php "~8.4")`.
func runtimeDesc(rt *buildpack.Runtime) string {
	if rt == nil || rt.Requested == "" {
		return "(default)"
	}
	return fmt.Sprintf("(from %s %q)", rt.Source, rt.Requested)
}
