package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/internal/atomicfile"
	"github.com/kiln-dev/kiln/runtimes/repo"
)

// Extension is a PECL extension to build, at a version.
type Extension struct {
	Name, Version string
}

// Options is one `kiln runtimes build`.
type Options struct {
	// Stack names the stack the archives are for (the repository's
	// <stack> directories).
	Stack string
	// Out is the repository directory the archives are written into
	// (Out/php/<stack>/…, Out/nginx/<stack>/…).
	Out string
	// PHP, Nginx and Composer are the versions to build; "" skips one.
	PHP, Nginx, Composer string
	// Extensions are the PECL extensions to build against PHP.
	Extensions []Extension
	// Sources maps a name ("php", "nginx", "pecl" for every extension,
	// an extension's name, "composer") to a source URL template with
	// {name} and {version}; missing names use the defaults.
	Sources map[string]string
	// SHA256 maps a name to the hex SHA-256 of its source archive; a name
	// missing falls back to the checksums kiln knows (KnownSHA256).
	SHA256 map[string]string
	// CacheDir holds the finished builds, one directory per Key.
	CacheDir string
	// Jobs is make's parallelism; 0 means the number of CPUs.
	Jobs int
	// Runner runs the build scripts.
	Runner buildpack.Runner
	// Env is the environment the scripts start from (PATH, CC, …).
	Env buildpack.Env
	// Client downloads the sources.
	Client *http.Client
	// Log receives progress lines; Output the scripts' output.
	Log, Output io.Writer
	// Builder describes the builder in the sidecars
	// ("kiln 1.2.3 runtimes build --host").
	Builder string
}

// Artifact is one archive written into the repository.
type Artifact struct {
	// Path is relative to Options.Out.
	Path string
	// Cached is true when the archive came from the build cache.
	Cached bool
}

// builder runs one Options.
type builder struct {
	opts    Options
	fetcher *fetch.Fetcher
	written []Artifact
}

// Run builds what opts asks for into opts.Out and returns the archives
// written, in order.
func Run(ctx context.Context, opts Options) ([]Artifact, error) {
	if opts.Stack == "" || opts.Out == "" || opts.CacheDir == "" || opts.Runner == nil {
		return nil, fmt.Errorf("build: Stack, Out, CacheDir and Runner are required")
	}
	if len(opts.Extensions) > 0 && opts.PHP == "" {
		return nil, fmt.Errorf("extensions are built against a PHP: give its version too")
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.Client == nil {
		opts.Client = fetch.NewClient()
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	srcDir := filepath.Join(opts.CacheDir, "sources")
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the build cache: %w", err)
	}
	b := &builder{opts: opts, fetcher: &fetch.Fetcher{Client: opts.Client, Dir: srcDir}}
	if opts.Nginx != "" {
		if err := b.nginx(ctx); err != nil {
			return b.written, err
		}
	}
	if opts.PHP != "" {
		phpEntry, err := b.php(ctx)
		if err != nil {
			return b.written, err
		}
		for _, e := range opts.Extensions {
			if err := b.extension(ctx, phpEntry, e); err != nil {
				return b.written, err
			}
		}
	}
	if opts.Composer != "" {
		if err := b.composer(ctx); err != nil {
			return b.written, err
		}
	}
	return b.written, nil
}

// resolve returns the source URL and SHA-256 of name at version, without
// downloading it.
func (b *builder) resolve(name, version, def string) (repo.Source, error) {
	tmpl := b.opts.Sources[name]
	if tmpl == "" && def == DefaultPECLSource {
		tmpl = b.opts.Sources["pecl"]
	}
	if tmpl == "" {
		tmpl = def
	}
	url := expand(tmpl, name, version)
	sum := strings.ToLower(strings.TrimSpace(b.opts.SHA256[name]))
	if sum == "" {
		sum = KnownSHA256(name, version)
	}
	if sum == "" {
		return repo.Source{}, fmt.Errorf("no SHA-256 for the %s %s source (%s): kiln knows none for this version; pass --sha256 %s=<hex> with the checksum its publisher lists", name, version, url, name)
	}
	if _, err := fetch.Hex("sha256", sum); err != nil || len(sum) != 64 {
		return repo.Source{}, fmt.Errorf("the SHA-256 given for %s (%q) is not 64 hexadecimal digits", name, sum)
	}
	return repo.Source{URL: url, SHA256: sum}, nil
}

// download fetches a resolved source into the source cache, verified.
func (b *builder) download(ctx context.Context, what string, src repo.Source) (string, error) {
	cs, err := fetch.Hex("sha256", src.SHA256)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(b.opts.Log, "-----> Fetching %s from %s\n", what, src.URL)
	res, err := b.fetcher.Get(ctx, src.URL, cs)
	if err != nil {
		return "", fmt.Errorf("fetching the %s source: %w", what, err)
	}
	return res.Path, nil
}

// Key is the cache key of a build: the hash of everything that decides
// its output.
func Key(parts ...any) string {
	data, err := json.Marshal(append([]any{"kiln-runtime-build/1"}, parts...))
	if err != nil {
		panic(err) // plain values only
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// entry is a finished build in the cache: files at their repository paths
// (relative to Options.Out), with their sidecars.
type entry struct {
	dir string
}

// cached returns the cache entry of key when it is complete.
func (b *builder) cached(key string) (entry, bool) {
	dir := filepath.Join(b.opts.CacheDir, key)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return entry{dir: dir}, true
	}
	return entry{dir: dir}, false
}

// produce returns the cache entry of key, calling fill to fill a
// temporary directory (stage, with scratch for the build itself) when there
// is none and renaming stage into place once fill succeeds: a failed build
// leaves nothing in the cache.
func (b *builder) produce(key, what string, fill func(stage, scratch string) error) (entry, bool, error) {
	if e, ok := b.cached(key); ok {
		fmt.Fprintf(b.opts.Log, "-----> %s: reusing the build cached in %s\n", what, e.dir)
		return e, true, nil
	}
	stage, err := os.MkdirTemp(b.opts.CacheDir, ".build-"+key+"-*")
	if err != nil {
		return entry{}, false, fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(stage)
	scratch, err := os.MkdirTemp(b.opts.CacheDir, ".work-"+key+"-*")
	if err != nil {
		return entry{}, false, fmt.Errorf("creating a build directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	fmt.Fprintf(b.opts.Log, "-----> Building %s\n", what)
	start := time.Now()
	if err := fill(stage, scratch); err != nil {
		return entry{}, false, err
	}
	fmt.Fprintf(b.opts.Log, "-----> Built %s in %s\n", what, time.Since(start).Round(time.Second))
	if err := os.Chmod(stage, 0o755); err != nil {
		return entry{}, false, err
	}
	if err := os.WriteFile(filepath.Join(stage, ".complete"), nil, 0o644); err != nil {
		return entry{}, false, err
	}
	dir := filepath.Join(b.opts.CacheDir, key)
	_ = os.RemoveAll(dir) // an incomplete leftover
	if err := os.Rename(stage, dir); err != nil {
		return entry{}, false, fmt.Errorf("storing the build of %s: %w", what, err)
	}
	return entry{dir: dir}, false, nil
}

// publish copies the files of a cache entry into the repository.
func (b *builder) publish(e entry, cached bool) error {
	var files []string
	err := filepath.WalkDir(e.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() != ".complete" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the cached build %s: %w", e.dir, err)
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(e.dir, p)
		dest := filepath.Join(b.opts.Out, rel)
		if err := copyFile(p, dest); err != nil {
			return err
		}
		if !strings.HasSuffix(rel, repo.SidecarSuffix) {
			b.written = append(b.written, Artifact{Path: filepath.ToSlash(rel), Cached: cached})
			fmt.Fprintf(b.opts.Log, "       wrote %s\n", dest)
		}
	}
	return nil
}

// writeSidecar writes archive's inputs next to it.
func writeSidecar(archive string, in repo.BuildInputs) error {
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(archive+repo.SidecarSuffix, append(data, '\n'), 0o644)
}

// runScript runs an embedded build script with env added to the base
// environment.
func (b *builder) runScript(ctx context.Context, name, dir string, env map[string]string, args []string) error {
	body, _, err := script(name)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, body, 0o755); err != nil {
		return fmt.Errorf("writing the build script: %w", err)
	}
	over := buildpack.Env{"KILN_JOBS": fmt.Sprint(b.opts.Jobs)}
	for k, v := range env {
		over[k] = v
	}
	e := b.opts.Env.Merge(over)
	cmd := buildpack.Cmd{Name: "/bin/sh", Args: append([]string{path}, args...), Dir: dir, Env: e,
		Stdout: b.opts.Output, Stderr: b.opts.Output}
	if err := b.opts.Runner.Run(ctx, cmd); err != nil {
		return fmt.Errorf("the build script %s failed (its output is above): %w", name, err)
	}
	return nil
}

func copyFile(src, dest string) error {
	if err := atomicfile.Copy(src, dest, 0o644); err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return nil
}
