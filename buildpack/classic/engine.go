// Package classic adapts kiln to the classic buildpack API: bin/detect,
// bin/compile and bin/release. It is the only code that knows their argument
// layout, exit codes and the release YAML format.
package classic

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/stacks"
)

// Engine holds what every classic entry point needs: the buildpacks, the
// environment and where output goes.
type Engine struct {
	// Buildpacks are the registered buildpacks in detection order: the first
	// whose Detect matches an app builds it.
	Buildpacks []buildpack.Buildpack
	// NotDetectedHint says which apps the buildpacks build, for the error of
	// an app none of them detects.
	NotDetectedHint string
	// Env is the build environment (process environment, ENV_DIR, flags).
	Env buildpack.Env
	// Stack overrides STACK from Env when not empty.
	Stack string
	// Force skips detection and uses this buildpack ID.
	Force string
	// Out receives build output.
	Out io.Writer
	// Ctx cancels the build (buildpack.Context.Ctx); nil means never.
	Ctx context.Context
	// Runner runs programs; nil means buildpack.ExecRunner.
	Runner buildpack.Runner
	// HTTP is the client of every build's downloads (buildpack.Context.HTTP
	// and BulkHTTP); nil means two new clients per build: fetch.NewClient
	// for HTTP and fetch.NewBulkClient for BulkHTTP.
	HTTP *http.Client
	// Executable is the running kiln binary, copied into slugs that boot
	// through it.
	Executable string
	// Report, when set, collects facts for the build summary.
	Report *buildpack.Report
	// ExportFile, when set, is the export file that compile writes for the
	// buildpacks that follow in a multi-buildpack build ($BP_DIR/export).
	ExportFile string
	// DiscardDir, when set, is passed to buildpacks as
	// buildpack.Context.DiscardDir.
	DiscardDir string
	// CacheLocked says that the caller holds the cache's lock (LockCache)
	// for the whole build; otherwise Compile takes it.
	CacheLocked bool
	// Member, when set, is the app's directory (relative, slash-separated)
	// inside the directory given to Prepare and Compile, which is the root
	// of a workspace the app is a member of: the build is the root's, the
	// processes are the member's (buildpack.Context.Member).
	Member string
	// Location, when set, says where the app lies in its repository and
	// what the build sees (kiln build --path); the plan records it as the
	// setting buildpack.SettingAppLocation.
	Location string
	// RuntimeStore is the shared runtime store of the builds
	// (buildpack.Context.RuntimeStore): an operator's setting, never an
	// app's, so it does not come from Env.
	RuntimeStore string
}

// StackName returns the stack the engine targets.
func (e *Engine) StackName() string {
	if e.Stack != "" {
		return e.Stack
	}
	return e.Env.Get("STACK")
}

// Detection is the buildpack chosen for an app and the name the platform
// prints for the app.
type Detection struct {
	// Buildpack builds the app; nil when no buildpack detects it.
	Buildpack buildpack.Buildpack
	// Name is the detected name, e.g. "PHP (composer.json)".
	Name string
}

// Detected reports whether a buildpack matched.
func (d Detection) Detected() bool { return d.Buildpack != nil }

// Detect asks the buildpacks in order which one builds the app in appDir;
// Force skips the question and picks a buildpack by its ID.
func (e *Engine) Detect(appDir string) (Detection, error) {
	app := os.DirFS(appDir)
	for _, bp := range e.Buildpacks {
		if e.Force != "" && bp.ID() != e.Force {
			continue
		}
		if name, ok := bp.Detect(app); ok || e.Force != "" {
			return Detection{Buildpack: bp, Name: name}, nil
		}
	}
	if e.Force != "" {
		return Detection{}, buildpack.Userf("unknown buildpack %q", e.Force).
			WithHint("Use one of: " + strings.Join(e.ids(), ", ") + ".")
	}
	return Detection{}, nil
}

func (e *Engine) ids() []string {
	ids := make([]string, 0, len(e.Buildpacks))
	for _, bp := range e.Buildpacks {
		ids = append(ids, bp.ID())
	}
	sort.Strings(ids)
	return ids
}

// NotDetected is the error for an app no buildpack recognises, naming the
// directory as the user gave it.
func (e *Engine) NotDetected(appDir string) error {
	msg := "no buildpack detected for " + appDir
	app := os.DirFS(appDir)
	for _, bp := range e.Buildpacks {
		if x, ok := bp.(buildpack.DetectExplainer); ok {
			if r := x.NotDetectedReason(app); r != "" {
				msg += "\n" + r
			}
		}
	}
	hint := e.NotDetectedHint
	if list := listing(appDir, 20); list != "" {
		hint += "\nThe app directory holds: " + list
	}
	return buildpack.Userf("%s", msg).WithHint(hint)
}

// listing names up to max entries of dir (directories with a trailing
// slash), "" when it cannot be read.
func listing(dir string, max int) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	if len(entries) == 0 {
		return "nothing (the directory is empty)"
	}
	var names []string
	for i, e := range entries {
		if i == max {
			names = append(names, fmt.Sprintf("and %d more", len(entries)-max))
			break
		}
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// Prepared is a planned build: the buildpack, its context and its plan.
type Prepared struct {
	Buildpack buildpack.Buildpack
	Context   *buildpack.Context
	Plan      buildpack.Plan
}

// Prepare detects the app in appDir, loads the stack and plans the build. It
// runs no program and touches no network.
func (e *Engine) Prepare(appDir, cacheDir string) (*Prepared, error) {
	return e.prepare(appDir, cacheDir, false)
}

// prepare is Prepare; forRelease is buildpack.Context.ForRelease.
func (e *Engine) prepare(appDir, cacheDir string, forRelease bool) (*Prepared, error) {
	abs, err := filepath.Abs(appDir)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", appDir, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, buildpack.Userf("app directory %s does not exist or is not a directory", appDir)
	}
	res, err := e.Detect(abs)
	if err != nil {
		return nil, err
	}
	if !res.Detected() {
		return nil, e.NotDetected(appDir)
	}
	bp := res.Buildpack
	st, err := stacks.Load(e.StackName())
	if err != nil {
		return nil, &buildpack.UserError{Msg: err.Error(), Hint: "Set STACK (or --stack) to one of: " + strings.Join(stacks.Names(), ", ") + "."}
	}
	env := e.Env.With("STACK", st.Name)
	client, bulk := e.HTTP, e.HTTP
	if client == nil {
		idle, err := fetch.ParseIdleTimeout(env.Get(fetch.IdleTimeoutEnv))
		if err != nil {
			return nil, buildpack.Userf("%v", err).WithHint("Unset it to use the default of " + fetch.DefaultIdleTimeout.String() + ".")
		}
		client, bulk = fetch.NewClientIdle(idle), fetch.NewBulkClientIdle(idle)
	}
	ctx := &buildpack.Context{
		Ctx:          e.Ctx,
		AppDir:       abs,
		CacheDir:     cacheDir,
		RuntimeStore: e.RuntimeStore,
		Env:          env,
		Stack:        st,
		Log:          buildpack.NewLogger(e.out(), env.SecretValues()),
		Runner:       e.runner(),
		HTTP:         client,
		BulkHTTP:     bulk,
		Executable:   e.Executable,
		Report:       e.Report,
		ExportFile:   e.ExportFile,
		DiscardDir:   e.DiscardDir,
		ForRelease:   forRelease,
		Member:       e.Member,
	}
	plan, err := bp.Plan(ctx)
	if err != nil {
		return nil, err
	}
	if e.Member != "" {
		if err := planMember(bp, ctx, &plan); err != nil {
			return nil, err
		}
	}
	if e.Location != "" {
		if plan.Settings == nil {
			plan.Settings = map[string]string{}
		}
		plan.Settings[buildpack.SettingAppLocation] = e.Location
	}
	plan.Buildpack = bp.ID()
	if plan.Name == "" {
		plan.Name = res.Name
	}
	plan.Stack = st.Name
	if w := st.DeprecationWarning(); w != "" && !contains(plan.Warnings, w) {
		plan.Warnings = append([]string{w}, plan.Warnings...)
	}
	plan.Normalize()
	return &Prepared{Buildpack: bp, Context: ctx, Plan: plan}, nil
}

func (e *Engine) out() io.Writer {
	if e.Out == nil {
		return io.Discard
	}
	return e.Out
}

func (e *Engine) runner() buildpack.Runner {
	var r buildpack.Runner = buildpack.ExecRunner{}
	if e.Runner != nil {
		r = e.Runner
	}
	if e.Report != nil {
		r = buildpack.TimingRunner{Runner: r, Report: e.Report}
	}
	return r
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
