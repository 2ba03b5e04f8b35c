package nodejs

import (
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// Plan implements buildpack.Buildpack. It reads files under ctx.AppDir and
// ctx.Env only: no program runs and nothing touches the network, and the
// same inputs always give the same plan.
func (Buildpack) Plan(ctx *buildpack.Context) (buildpack.Plan, error) {
	return planApp(ctx, false)
}

// PlanAssets implements buildpack.AssetBuilder: it plans the Node.js assets
// of a PHP app that has a package.json (Node.js and the package manager, the
// dependencies including devDependencies, the build script and pruning),
// which Compile carries out. It has no processes and no WEB_CONCURRENCY
// script; its steps are all in the step table (steptable.go).
func (Buildpack) PlanAssets(ctx *buildpack.Context) (buildpack.Plan, error) {
	return planApp(ctx, true)
}

// planner accumulates a plan from the app's files and environment.
type planner struct {
	app    string
	env    buildpack.Env
	stack  *stacks.Stack
	pkg    pkgJSON
	pm     pmChoice
	meteor string // Meteor release, "" for other apps
	assets bool   // planning for PlanAssets
	member bool   // building a workspace root for one of its members: no processes
	plan   buildpack.Plan
	// set are the plan's settings, encoded into plan.Settings at the end.
	set settings
}

func planApp(ctx *buildpack.Context, assets bool) (buildpack.Plan, error) {
	if ctx.Stack == nil {
		return buildpack.Plan{}, fmt.Errorf("planning Node.js: no stack in the build context")
	}
	pl := &planner{app: ctx.AppDir, env: ctx.Env, stack: ctx.Stack, assets: assets, member: ctx.Member != ""}
	pl.plan = buildpack.Plan{
		Buildpack: "nodejs", Name: "Node.js", Stack: ctx.Stack.Name,
		Processes: map[string]string{},
	}
	for _, f := range []func() error{pl.checkInputs, pl.planRuntimes, pl.planSteps, pl.planDependencyCheck, pl.planRelease} {
		if err := f(); err != nil {
			return buildpack.Plan{}, err
		}
	}
	pl.plan.Settings = pl.set.encode()
	pl.plan.Normalize()
	return pl.plan, nil
}

// checkInputs loads package.json and runs the early failure checks.
func (pl *planner) checkInputs() error {
	if err := buildpack.RefuseEscapes(pl.app, appPaths()...); err != nil {
		return err
	}
	if err := checkLayout(pl.app); err != nil {
		return err
	}
	pkg, warnings, err := loadPackageJSON(pl.app)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		pl.plan.Warn(w)
	}
	pl.pkg = pkg
	if err := checkLockfiles(pl.app); err != nil {
		return err
	}
	if err := checkDeclarations(pkg); err != nil {
		return err
	}
	if err := checkNpmrcRegistry(pl.app, pl.env); err != nil {
		return err
	}
	if !pl.assets && dirExists(pl.app, ".meteor") {
		pl.meteor = meteorRelease(pl.app)
		pl.plan.Name = "Node.js (Meteor)"
	}
	if w := pl.stack.DeprecationWarning(); w != "" {
		pl.plan.Warn(w)
	}
	return nil
}

// planRuntimes resolves Node.js and chooses the package manager.
func (pl *planner) planRuntimes() error {
	meteorNode := ""
	if pl.meteor != "" {
		meteorNode = meteorNodeLine(pl.meteor)
	}
	req := nodeRequest(pl.app, pl.pkg, meteorNode, pl.meteor)
	node, err := pl.planNode(req)
	if err != nil {
		return err
	}
	pl.plan.Runtimes = append(pl.plan.Runtimes, node)
	pl.plan.Runtimes = append(pl.plan.Runtimes, npmRuntime(node.Version, pl.pkg.engine("npm")))
	pm, err := choosePackageManager(pl.app, pl.pkg, pl.env, &pl.plan)
	if err != nil {
		return err
	}
	if err := pl.planYarnBinary(&pm); err != nil {
		return err
	}
	pl.pm = pm
	if pm.name != "npm" {
		rt, launcher := pmRuntime(pm)
		pl.plan.Runtimes = append(pl.plan.Runtimes, rt)
		pl.set.YarnLauncher = launcher
	}
	pl.recordSettings()
	return nil
}

// npmRuntime describes npm: the one bundled with Node.js unless engines.npm
// asks for another.
func npmRuntime(nodeVersion, requested string) buildpack.Runtime {
	bundled := bundledNPM(nodeVersion)
	if requested != "" {
		v := requested
		if requested == bundled {
			v = bundled
		}
		return buildpack.Runtime{Name: "npm", Version: v, Requested: requested, Source: "package.json engines.npm"}
	}
	if bundled == "" {
		bundled = "bundled"
	}
	return buildpack.Runtime{Name: "npm", Version: bundled, Source: "bundled with Node.js " + nodeVersion}
}

// recordSettings records in pl.set the runtime decisions Compile needs
// beyond steps.
func (pl *planner) recordSettings() {
	s := &pl.set
	s.PackageManager = pl.pm.name
	s.Lockfile = pl.pm.lockfile
	if pl.pm.name == "yarn" {
		s.YarnFlavor = map[bool]string{true: "berry", false: "classic"}[pl.pm.berry]
		s.YarnNodeLinker = pl.pm.linker
		s.YarnPath = pl.pm.yarnPath
	}
	s.PMPackage = pl.pm.pkg
	s.PMIntegrity = pl.pm.integrity
	s.BundledNPM = bundledNPM(pl.plan.Runtimes[0].Version)
	s.DistMirror = strings.TrimRight(pl.env.Default("NODEJS_ORG_MIRROR", defaultDistMirror), "/")
	s.Registry = npmRegistry(pl.app, pl.env)
	s.RegistryAuth = registryAuthText(npmrcTokens(pl.app, pl.env))
}

// cacheEnabled reports whether the build restores and saves its cache.
func (pl *planner) cacheEnabled() bool {
	return pl.env.Get("NODE_MODULES_CACHE") != "false"
}

// cacheSignature names everything that invalidates the cache when it changes.
func (pl *planner) cacheSignature() string {
	v := func(name string) string {
		if rt := pl.plan.Runtime(name); rt != nil {
			return rt.Version
		}
		return "-"
	}
	return fmt.Sprintf("kiln-nodejs-1; stack %s; node %s; npm %s; yarn %s; pnpm %s",
		pl.plan.Stack, v("node"), v("npm"), v("yarn"), v("pnpm"))
}
