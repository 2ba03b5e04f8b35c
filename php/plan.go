package php

import (
	"os"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// Plan implements buildpack.Buildpack. It reads composer.json,
// composer.lock, the app's files and ctx.Env, and nothing else.
func (b Buildpack) Plan(ctx *buildpack.Context) (buildpack.Plan, error) {
	pl := &planner{ctx: ctx, env: ctx.Env, assets: b.Assets, embeddedKeys: b.RuntimeKeys}
	if err := pl.read(); err != nil {
		return buildpack.Plan{}, err
	}
	if err := pl.build(); err != nil {
		return buildpack.Plan{}, err
	}
	pl.p.Normalize()
	return pl.p, nil
}

// planner accumulates a plan.
type planner struct {
	ctx    *buildpack.Context
	env    buildpack.Env
	stack  *stacks.Stack
	proj   *project
	paas   *paasConfig
	fw     framework
	source string
	// assets plans the front-end assets (Buildpack.Assets).
	assets buildpack.AssetBuilder
	// embeddedKeys are Buildpack.RuntimeKeys.
	embeddedKeys string
	// set is the settings, encoded into the plan once planning is done.
	set settings
	p   buildpack.Plan
}

// read loads and checks the inputs: stack, composer files, extra.paas.
func (pl *planner) read() error {
	pl.stack = pl.ctx.Stack
	if pl.stack == nil {
		st, err := stacks.Load(pl.env.Get("STACK"))
		if err != nil {
			return buildpack.Userf("%v", err)
		}
		pl.stack = st
	}
	if spec := strings.TrimSpace(pl.env.Get(stacks.ExtraVersionsEnv)); spec != "" {
		st, err := pl.stack.WithExtraVersions(spec)
		if err != nil {
			return buildpack.Userf("%v", err).WithHint("The platform's " + stacks.ExtraVersionsEnv + " lists versions the stack tables lack, such as php=8.2.32,nginx=1.22.1,composer=2.8.4.")
		}
		pl.stack = st
		pl.set.ExtraVersions = spec
	}
	name, _ := Buildpack{}.Detect(os.DirFS(pl.ctx.AppDir))
	pl.p = buildpack.Plan{Buildpack: "php", Name: name, Stack: pl.stack.Name,
		Processes: map[string]string{"web": WebCommand}, Settings: map[string]string{}}
	if w := pl.stack.DeprecationWarning(); w != "" {
		pl.p.Warn(w)
	}
	if err := buildpack.RefuseEscapes(pl.ctx.AppDir, appPaths()...); err != nil {
		return err
	}
	proj, warnings, err := readProject(pl.ctx.AppDir)
	if err != nil {
		return err
	}
	pl.proj = proj
	pl.p.Warnings = append(pl.p.Warnings, warnings...)
	pl.paas = &paasConfig{key: "paas"}
	if proj.HasJSON {
		paas, warnings, err := readPaas(&proj.JSON)
		if err != nil {
			return err
		}
		pl.paas = paas
		pl.p.Warnings = append(pl.p.Warnings, warnings...)
	}
	return nil
}

// build fills in runtimes, settings, steps and warnings.
func (pl *planner) build() error {
	if err := pl.runtimeSource(); err != nil {
		return err
	}
	if err := pl.runtimes(); err != nil {
		return err
	}
	if err := pl.layout(); err != nil {
		return err
	}
	if err := pl.configSettings(); err != nil {
		return err
	}
	if err := pl.repositoryTrust(pl.embeddedKeys); err != nil && !pl.ctx.ForRelease {
		return err
	}
	if err := pl.procfileBoot(); err != nil {
		return err
	}
	if err := pl.steps(); err != nil {
		return err
	}
	pl.warnVendor()
	pl.warnHtaccess()
	pl.p.Settings = pl.set.encode()
	return nil
}

// composerApp reports whether the app uses Composer.
func (pl *planner) composerApp() bool { return pl.proj.HasJSON }

// runtimeSource reads KILN_PHP_RUNTIME.
func (pl *planner) runtimeSource() error {
	switch v := strings.ToLower(strings.TrimSpace(pl.env.Get("KILN_PHP_RUNTIME"))); v {
	case "", sourceRepository:
		pl.source = sourceRepository
		if err := pl.repositoryBases(); err != nil && !pl.ctx.ForRelease {
			return err
		}
	case sourceSystem:
		pl.source = sourceSystem
	default:
		return buildpack.Userf("KILN_PHP_RUNTIME=%q is not a runtime source", v).
			WithHint(`Use "repository" (the default: runtimes downloaded for the stack) or "system" (the host's php, php-fpm, nginx and composer).`)
	}
	pl.set.RuntimeSource = pl.source
	return nil
}

// runtimes records the PHP, nginx and Composer versions and their sources.
func (pl *planner) runtimes() error {
	php, nginx, composer := versionRequests(pl.proj, pl.paas, pl.env)
	if pl.source == sourceSystem {
		return pl.systemRuntimes(php, nginx, composer)
	}
	rts, warnings, err := resolveRuntimes(pl.stack, [3]stacks.Request{php, nginx, composer})
	if err != nil {
		return err
	}
	if !pl.composerApp() {
		rts = rts[:2]
	} else {
		note, err := fitLock(pl.stack, &rts[0], php, lockPHPRequirements(pl.proj, pl.env.Bool("COMPOSER_DEV")))
		if err != nil {
			return err
		}
		if note != "" {
			warnings = append(warnings, note)
		}
	}
	pl.p.Runtimes = rts
	pl.p.Warnings = append(pl.p.Warnings, warnings...)
	return nil
}

// systemRuntimes records the host's programs. Their versions are only known
// when compile runs them; the PHP request is checked then.
func (pl *planner) systemRuntimes(php, nginx, composer stacks.Request) error {
	if php.Value != "" {
		if _, err := stacks.ComposerSatisfies(php.Value, "8.0.0"); err != nil {
			return buildpack.Userf("PHP version %q requested in %s is not a Composer version constraint", php.Value, php.Source).
				WithHint("Write a Composer constraint such as ^8.2 or ~8.3.0.")
		}
		pl.set.PHPCheck = "host php must satisfy " + php.Value + " (" + php.Source + ")"
	} else {
		pl.set.PHPCheck = "any host php (no request)"
	}
	pl.p.Runtimes = []buildpack.Runtime{
		{Name: "php", Version: sourceSystem, Requested: php.Value, Source: php.Source},
		{Name: "nginx", Version: sourceSystem, Requested: nginx.Value, Source: nginx.Source},
	}
	if pl.composerApp() {
		pl.p.Runtimes = append(pl.p.Runtimes, buildpack.Runtime{Name: "composer", Version: sourceSystem, Requested: composer.Value, Source: composer.Source})
	}
	return nil
}
