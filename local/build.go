// Package local builds and runs apps on the developer's machine the way the
// platform does, like `pack` does for Cloud Native Buildpacks: a fresh build
// directory, a persistent per-app cache, a slug with its release, and a runner
// that starts a process type from it.
package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/classic"
	"github.com/kiln-dev/kiln/local/cachedir"
)

// BuildOptions configure a local build.
type BuildOptions struct {
	// AppDir is the app to build; it is never modified except for the
	// default output under AppDir/.kiln.
	AppDir string
	// Output is the slug directory (default AppDir/.kiln/slug).
	Output string
	// Tar, when set, writes a .tar.gz slug there instead of a directory.
	Tar string
	// CacheDir is the build cache (default: the user's cache directory,
	// one per app). Ignored with NoCache.
	CacheDir string
	// NoCache builds with an empty, throw-away cache.
	NoCache bool
	// Engine plans and compiles; its Out receives the build output.
	Engine *classic.Engine
	// Discard removes the slug a new build replaced (default: remove it
	// before Build returns).
	Discard Discarder
	// NoWait fails at once when another build holds the output's or the
	// cache's lock, instead of waiting for it.
	NoWait bool
	// Path, when set, is the app's directory inside AppDir, which is then
	// its repository (kiln build --path, PROJECT_DIR; see Locate); PathFrom
	// names where it came from, for errors.
	Path, PathFrom string
}

// Result describes a finished build.
type Result struct {
	Plan      buildpack.Plan    `json:"plan"`
	Output    string            `json:"output"`
	CacheDir  string            `json:"cache_dir"`
	SlugBytes int64             `json:"slug_bytes"`
	Phases    []Phase           `json:"phases"`
	Report    buildpack.Summary `json:"report"`
	Total     time.Duration     `json:"total_ns"`
	// Overhead is the wall time not spent in programs or downloads: what
	// kiln itself costs.
	Overhead time.Duration `json:"overhead_ns"`
	// PeakRSSBytes is the peak memory of the kiln process (not of npm & co).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
}

// Phase is the wall time of one phase of a local build.
type Phase struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// DefaultCacheRoot is where kiln build keeps its caches on this machine:
// <user cache directory>/kiln, with apps/ (one build cache per app) and
// runtimes/ (the shared runtime store).
func DefaultCacheRoot() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the user cache directory: %w", err)
	}
	return filepath.Join(base, "kiln"), nil
}

// DefaultCacheDir is the persistent cache of an app: one directory per
// absolute app path under the user's cache directory.
func DefaultCacheDir(appDir string) (string, error) {
	root, err := DefaultCacheRoot()
	if err != nil {
		return "", fmt.Errorf("%w (set --cache)", err)
	}
	return cachedir.AppCacheDir(filepath.Join(root, "apps"), appDir), nil
}

// DefaultRuntimeStore is the shared runtime store of local builds: one per
// user, under the user's cache directory, next to the apps' caches.
func DefaultRuntimeStore() (string, error) {
	root, err := DefaultCacheRoot()
	if err != nil {
		return "", fmt.Errorf("%w (set KILN_RUNTIME_STORE)", err)
	}
	return filepath.Join(root, "runtimes"), nil
}

// Build copies the app into a fresh directory, compiles it, and moves the
// slug into place. A failed build leaves the previous slug untouched.
func Build(opts BuildOptions) (*Result, error) {
	start := time.Now()
	if fi, err := os.Stat(opts.AppDir); err != nil || !fi.IsDir() {
		return nil, buildpack.Userf("app directory %s does not exist or is not a directory", opts.AppDir)
	}
	layout, err := Locate(opts.AppDir, opts.Path, opts.PathFrom)
	if err != nil {
		return nil, err
	}
	// app is the app's directory (its slug, its cache); src is what the
	// build copies: the app, or the workspace root it is a member of.
	app, src := layout.App, layout.Root
	if opts.Output == "" && opts.Tar == "" {
		if err := refuseKilnLink(app); err != nil {
			return nil, err
		}
	}
	if err := checkTargets(src, app, opts); err != nil {
		return nil, err
	}
	// Detect on the app itself first: an app kiln cannot build fails at
	// once, and the message names the user's directory, not the copy.
	if d, err := opts.Engine.Detect(src); err != nil {
		return nil, err
	} else if !d.Detected() {
		return nil, opts.Engine.NotDetected(filepath.Join(opts.AppDir, opts.Path))
	}
	if opts.Output == "" && opts.Tar == "" {
		if err := makeKilnDir(app); err != nil {
			return nil, err
		}
	}
	res := &Result{}
	phase := func(name string, t0 time.Time) { res.Phases = append(res.Phases, Phase{name, time.Since(t0)}) }

	// The output's lock, then the cache's (always in this order), held
	// until the slug is in place: a second build of the same app waits.
	release, err := lockOutput(app, opts)
	if err != nil {
		return nil, err
	}
	defer release()
	cacheDir, cleanup, err := chooseCache(app, opts)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res.CacheDir = cacheDir
	cacheLock, err := classic.LockCache(context.Background(), cacheDir, opts.NoWait, opts.Engine.Out)
	if err != nil {
		return nil, err
	}
	defer cacheLock.Release()
	opts.Engine.CacheLocked = true
	defer func() { opts.Engine.CacheLocked = false }()

	work, err := makeWorkDir(src, app, cacheDir, opts)
	if err != nil {
		return nil, err
	}
	handedOff := false
	defer func() {
		if !handedOff {
			os.RemoveAll(work)
		}
	}()
	buildDir := filepath.Join(work, "app")
	// What the buildpacks discard (pruned packages) waits in the work
	// directory, outside the slug, and is removed after the build.
	discardDir := filepath.Join(work, "discard")
	if err := os.Mkdir(discardDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", discardDir, err)
	}
	opts.Engine.DiscardDir = discardDir
	defer func() { opts.Engine.DiscardDir = "" }()

	defer sweepTrash(work)()
	if opts.Tar == "" {
		if out, err := slugPath(app, opts); err == nil && filepath.Dir(out) != filepath.Dir(work) {
			defer sweepTrash(out)()
		}
	}

	t0 := time.Now()
	if err := copyApp(src, buildDir, layout.Member); err != nil {
		return nil, err
	}
	// The copy is what gets built: say so when .slugignore left out what
	// the app was detected by, rather than name the copy.
	if d, err := opts.Engine.Detect(buildDir); err == nil && !d.Detected() {
		return nil, buildpack.Userf("%s leaves out the files kiln detected the app by", filepath.Join(opts.AppDir, ".slugignore")).
			WithHint("Remove the patterns that match them (such as `*`): .slugignore lists what to leave out of the build, and the build needs package.json, composer.json or index.php.")
	}
	phase("copy", t0)

	t0 = time.Now()
	report := &buildpack.Report{}
	opts.Engine.Report = report
	opts.Engine.Member, opts.Engine.Location = layout.Member, layout.Describe()
	defer func() { opts.Engine.Member, opts.Engine.Location = "", "" }()
	p, err := opts.Engine.Compile(buildDir, cacheDir)
	if err != nil {
		return nil, err
	}
	if ctx := opts.Engine.Ctx; ctx != nil && ctx.Err() != nil {
		// Cancelled as the last step ended: the previous slug stays.
		return nil, buildpack.Cancelled(ctx, "build")
	}
	phase("compile", t0)
	res.Plan = p.Plan

	t0 = time.Now()
	if err := writeSlugRelease(buildDir, layout.Member, p.Plan); err != nil {
		return nil, err
	}
	out, size, err := exportSlug(app, buildDir, opts)
	if err != nil {
		return nil, err
	}
	handedOff = discardWork(work, discardDir, opts.Discard)
	phase("export", t0)
	res.Output, res.SlugBytes = out, size
	res.Total = time.Since(start)
	res.Report = report.Summary()
	res.Overhead = res.Total - res.Report.ProgramTime - res.Report.FetchTime
	res.PeakRSSBytes = peakRSS()
	if !opts.NoCache {
		// Only kiln cache ls and prune read it: a failure costs nothing else.
		_ = cachedir.WriteAppRecord(cacheDir, app, time.Now())
	}
	return res, nil
}

// refuseKilnLink fails when APP/.kiln, where the slug goes by default, is a
// symbolic link: the slug would go, replacing what is there, wherever the
// app points, even inside the app (where the next build would copy it).
func refuseKilnLink(app string) error {
	dir := filepath.Join(app, ".kiln")
	target, err := os.Readlink(dir)
	if err != nil {
		return nil
	}
	return &buildpack.UserError{
		Msg:  fmt.Sprintf("%s is a symbolic link to %s: kiln keeps its slug in that directory and does not write through links the app contains", dir, target),
		Hint: "Remove the link (it is kiln's own directory, never committed), or give the slug another place with --output or --tar.",
	}
}

// makeKilnDir creates APP/.kiln, where the slug goes by default, when it
// does not exist yet, with a .gitignore that keeps it out of Git.
func makeKilnDir(app string) error {
	dir := filepath.Join(app, ".kiln")
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		if notWritable(err) {
			return slugNotWritable(filepath.Join(dir, "slug"), err)
		}
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("*\n"), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(dir, ".gitignore"), err)
	}
	return nil
}

// makeWorkDir creates the directory the app is copied into and compiled in.
// Where it lies decides what is cheap: the buildpacks place runtimes and
// dependency trees from the cache by hard links and renames, and the slug
// is moved to its output by a rename, all of which only work within one
// filesystem; the system's temporary directory is often another one
// (tmpfs), where each of them would copy instead. So the work directory goes
// next to the slug's output when that is on the cache's filesystem (both
// cheap: the usual case, APP/.kiln/slug and the default cache in the home
// directory), else next to the cache (then the finished slug is copied
// once to its output, instead of every placement from the cache copying),
// else in the temporary directory. It
// never goes inside the app, except under APP/.kiln, which is never copied
// into a build. What a killed build left there is removed first.
func makeWorkDir(src, app, cacheDir string, opts BuildOptions) (string, error) {
	type place struct{ parent, prefix string }
	var places []place
	if opts.Tar == "" {
		if out, err := slugPath(app, opts); err == nil {
			parent := filepath.Dir(out)
			if os.MkdirAll(parent, 0o755) == nil && cache.SameFilesystem(parent, cacheDir) {
				places = append(places, place{parent, "." + filepath.Base(out) + ".build-"})
			}
		}
	}
	places = append(places, place{filepath.Dir(cacheDir), filepath.Base(cacheDir) + ".build-"})
	for _, p := range places {
		if !workDirAllowed(src, app, p.parent) {
			continue
		}
		cache.RemoveTemporaries(p.parent, p.prefix)
		if work, err := os.MkdirTemp(p.parent, p.prefix); err == nil {
			return work, nil
		}
	}
	return tempWorkDir()
}

// workDirAllowed reports whether a work directory may go in dir: outside
// the tree a build copies (src), or under a .kiln directory the copy
// leaves out (src's, the app's): the copy must not contain itself.
func workDirAllowed(src, app, dir string) bool {
	for _, kiln := range []string{filepath.Join(src, ".kiln"), filepath.Join(app, ".kiln")} {
		if dir == kiln || within(dir, kiln) {
			return true
		}
	}
	rel, err := filepath.Rel(src, dir)
	if err != nil {
		return false
	}
	rel = filepath.ToSlash(rel)
	return rel == ".." || strings.HasPrefix(rel, "../")
}

func tempWorkDir() (string, error) {
	work, err := os.MkdirTemp("", "kiln-build-")
	if err != nil {
		return "", fmt.Errorf("creating build directory: %w", err)
	}
	return work, nil
}

func chooseCache(app string, opts BuildOptions) (string, func(), error) {
	if opts.NoCache {
		d, err := os.MkdirTemp("", "kiln-cache-")
		if err != nil {
			return "", nil, fmt.Errorf("creating throw-away cache: %w", err)
		}
		// A cache holds thousands of files (npm's cache, the saved
		// dependencies): 2-3 s to remove on a large app, which the build
		// need not wait for.
		return d, func() {
			if !discardTree(d, opts.Discard) {
				_ = os.RemoveAll(d)
			}
		}, nil
	}
	d := opts.CacheDir
	unlock := func() {}
	if d == "" {
		var err error
		if d, err = DefaultCacheDir(app); err != nil {
			return "", nil, err
		}
		// kiln cache prune and KILN_CACHE_MAX remove default caches: never
		// one a build is using.
		if unlock, err = cachedir.LockApp(d, false); err != nil {
			return "", nil, err
		}
	}
	d, err := filepath.Abs(d)
	if err == nil {
		err = os.MkdirAll(d, 0o755)
	}
	if err != nil {
		unlock()
		return "", nil, fmt.Errorf("creating cache directory: %w", err)
	}
	return d, unlock, nil
}

// writeSlugRelease writes the slug's release: the plan's processes and
// the Procfile as the build left it (a build script may write it), the
// member's for a workspace member, whose commands start in its directory.
func writeSlugRelease(buildDir, member string, plan buildpack.Plan) error {
	procs := map[string]string{}
	for k, v := range plan.Processes {
		procs[k] = v
	}
	pf, err := readProcfile(filepath.Join(buildDir, filepath.FromSlash(member)))
	if err != nil {
		return fmt.Errorf("reading Procfile: %w", err)
	}
	for k, v := range pf {
		if member != "" {
			v = classic.InMember(member, v)
		}
		procs[k] = v
	}
	return writeRelease(buildDir, Release{
		Buildpack:  plan.Buildpack,
		Stack:      plan.Stack,
		Processes:  procs,
		ConfigVars: map[string]string{},
	})
}
