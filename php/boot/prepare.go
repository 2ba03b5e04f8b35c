package boot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// maxSocketPath is the longest path a unix socket can have on Linux
// (sun_path is 108 bytes, NUL included).
const maxSocketPath = 107

// bootRuntime is a prepared boot: configuration rendered, commands ready.
type bootRuntime struct {
	opts        Options
	bc          *Config
	set         bootSettings
	runDir      string
	ownsRunDir  bool
	socket      string
	concurrency concurrency
	env         buildpack.Env
	fpm, nginx  buildpack.Cmd
	// notes say what the rendering chose that people should know.
	notes []string
}

// prepareBoot reads the build's settings, applies the environment, sizes
// PHP-FPM and renders every configuration file into the run directory.
func prepareBoot(opts Options) (*bootRuntime, error) {
	app, err := filepath.Abs(opts.AppDir)
	if err != nil {
		return nil, fmt.Errorf("resolving the app directory: %w", err)
	}
	opts.AppDir = app
	bc, err := ReadConfig(app)
	if err != nil {
		return nil, err
	}
	set, err := runtimeSettings(bc, opts.Env)
	if err != nil {
		return nil, err
	}
	lim, err := effectiveMemoryLimit(app, set.docRoot)
	if err != nil {
		return nil, buildpack.Userf("reading memory_limit: %v", err)
	}
	conc, err := chooseConcurrency(opts.Env, lim, opts.CgroupRoot)
	if err != nil {
		return nil, err
	}
	rt := &bootRuntime{opts: opts, bc: bc, set: set, concurrency: conc, runDir: opts.RunDir}
	if fi, err := os.Stat(filepath.Join(app, filepath.FromSlash(set.docRoot))); err != nil || !fi.IsDir() {
		from := "the build's settings"
		if strings.TrimSpace(opts.Env.Get("DOCUMENT_ROOT")) != "" {
			from = "DOCUMENT_ROOT"
		}
		rt.notes = append(rt.notes, fmt.Sprintf("The document root %s/ (from %s) is not a directory of the app: every request gets 404 Not Found. "+
			"Create it, or set DOCUMENT_ROOT (or document-root in composer.json extra.paas) to a directory of the app.", set.docRoot, from))
	}
	if rt.runDir == "" {
		if rt.runDir, err = os.MkdirTemp("", "kiln-php-"); err != nil {
			return nil, fmt.Errorf("creating the run directory: %w", err)
		}
		rt.ownsRunDir = true
	}
	if sock := rt.path("php-fpm.sock"); len(sock) > maxSocketPath {
		rt.cleanup()
		return nil, buildpack.Userf("the PHP-FPM socket path %s is %d bytes long, more than a unix socket allows (%d)", sock, len(sock), maxSocketPath).
			WithHint("The run directory is made in TMPDIR: set TMPDIR to a shorter directory, e.g. TMPDIR=/tmp.")
	}
	if err := rt.render(); err != nil {
		rt.cleanup()
		return nil, err
	}
	rt.commands()
	return rt, nil
}

func (rt *bootRuntime) cleanup() {
	if rt.ownsRunDir {
		os.RemoveAll(rt.runDir)
	}
}

func (rt *bootRuntime) path(parts ...string) string {
	return filepath.Join(append([]string{rt.runDir}, parts...)...)
}

// render writes php-fpm.conf, nginx.conf, mime.types and fastcgi.conf.
func (rt *bootRuntime) render() error {
	for _, d := range []string{"conf", "logs", "nginx/client_body", "nginx/fastcgi", "nginx/proxy", "nginx/scgi", "nginx/uwsgi"} {
		if err := os.MkdirAll(rt.path(d), 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	rt.socket = rt.path("php-fpm.sock")
	fpm, err := rt.renderFPM()
	if err != nil {
		return err
	}
	ngx, err := rt.renderNginx()
	if err != nil {
		return err
	}
	files := map[string]string{"php-fpm.conf": fpm, "nginx.conf": ngx}
	for _, static := range []string{"mime.types", "fastcgi.conf"} {
		b, err := staticFile(static)
		if err != nil {
			return err
		}
		files[static] = string(b)
	}
	for name, text := range files {
		if err := os.WriteFile(rt.path("conf", name), []byte(text), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

func (rt *bootRuntime) renderFPM() (string, error) {
	incs, _ := filepath.Glob(filepath.Join(rt.opts.AppDir, FPMIncludeDir, "*.conf"))
	n := rt.concurrency.Children
	return render("php-fpm.conf.tmpl", fpmData{
		RunDir: rt.runDir, LogDir: rt.path("logs"), Socket: rt.socket,
		MaxChildren: n, MaxSpare: min(2, n), MaxRequests: maxRequests(rt.opts.Env), Includes: incs,
	})
}

func (rt *bootRuntime) renderNginx() (string, error) {
	app := rt.opts.AppDir
	httpInc, err := absIncludes(app, rt.set.nginxHTTPIncludes)
	if err != nil {
		return "", err
	}
	inc, err := absIncludes(app, rt.set.nginxIncludes)
	if err != nil {
		return "", err
	}
	d := nginxData{
		RunDir: rt.runDir, LogDir: rt.path("logs"), ConfDir: rt.path("conf"), Socket: rt.socket,
		Port: rt.set.port, Root: filepath.Join(app, filepath.FromSlash(rt.set.docRoot)),
		IndexDocument: rt.set.index, AccessLogFormat: rt.set.accessLogFormat,
		HTTPIncludes: httpInc, Includes: inc, DenyVendor: rt.set.docRoot == "",
	}
	file, line, err := RootLocation(inc)
	if err != nil {
		return "", err
	}
	if file != "" && rt.bc.Site.Template != "" && rt.bc.Site.Template != "default" {
		rel, _ := filepath.Rel(app, file)
		d.RootLocation = filepath.ToSlash(rel)
		rt.notes = append(rt.notes, fmt.Sprintf("nginx: location / comes from %s (line %d); it replaces the %s rules' own location /.",
			d.RootLocation, line, rt.bc.Site.Name))
	}
	if os.Geteuid() == 0 {
		d.User = "root"
	}
	return renderNginx(rt.bc.Site, d)
}

// maxRequests reads PHP_FPM_MAX_REQUESTS (0, the default, means never
// recycle a worker).
func maxRequests(env buildpack.Env) int {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(env.Get("PHP_FPM_MAX_REQUESTS")), "%d", &n); err != nil || n < 0 {
		return 0
	}
	return n
}

// commands prepares the PHP-FPM and nginx invocations and their shared
// environment.
func (rt *bootRuntime) commands() {
	app := rt.opts.AppDir
	src := rt.bc.RuntimeSource
	env := rt.opts.Env.Merge(buildpack.Env{
		"KILN_APP_DIR":    app,
		"PHPRC":           filepath.Join(app, PHPIniPath),
		"WEB_CONCURRENCY": fmt.Sprint(rt.concurrency.Children),
		"PATH":            strings.Join(append(BinDirs(src, app), rt.opts.Env.Get("PATH")), ":"),
	})
	if _, ok := env.Lookup("PHP_INI_SCAN_DIR"); !ok {
		env["PHP_INI_SCAN_DIR"] = ScanDirs(src, app)
	}
	if env.Get("APP_ENV") == "" {
		env["APP_ENV"] = "prod"
	}
	rt.env = env
	fpmArgs := []string{"--nodaemonize", "--fpm-config", rt.path("conf", "php-fpm.conf"), "-c", filepath.Join(app, PHPIniPath)}
	if os.Geteuid() == 0 {
		fpmArgs = append(fpmArgs, "--allow-to-run-as-root")
	}
	rt.fpm = buildpack.Cmd{Name: rt.program(rt.bc.PHPFPM, "php-fpm"), Args: fpmArgs, Dir: app, Env: env,
		Stdout: rt.opts.Stdout, Stderr: rt.opts.Stdout}
	rt.nginx = buildpack.Cmd{Name: rt.program(rt.bc.Nginx, "nginx"),
		Args: []string{"-p", rt.path("nginx") + "/", "-c", rt.path("conf", "nginx.conf"), "-e", rt.path("logs", "nginx-error.log")},
		Dir:  app, Env: env, Stdout: rt.opts.Stdout, Stderr: rt.opts.Stdout}
}

// program resolves a recorded program path: slug-relative ones against the
// app, absolute ones as they are, and a missing one by name on the host.
func (rt *bootRuntime) program(recorded, name string) string {
	switch {
	case recorded == "":
		if p, err := FindProgram(rt.opts.Env, name); err == nil {
			return p
		}
		return name
	case filepath.IsAbs(recorded):
		return recorded
	}
	return filepath.Join(rt.opts.AppDir, recorded)
}

// logFiles lists the files streamed to stdout: the servers' logs from their
// start, the app's from the moment the boot begins.
func (rt *bootRuntime) logFiles() []tailFile {
	files := []tailFile{
		{Path: rt.path("logs", "php-fpm.log")},
		{Path: rt.path("logs", "nginx-error.log")},
		{Path: rt.path("logs", "nginx-access.log")},
	}
	for _, f := range rt.bc.LogFiles {
		files = append(files, tailFile{Path: filepath.Join(rt.opts.AppDir, filepath.FromSlash(f)), FromEnd: true})
	}
	return files
}
