package boot

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
)

// Options configure Run.
type Options struct {
	// AppDir is the slug's root (the web process's working directory).
	AppDir string
	// Env is the runtime environment; all of it reaches PHP.
	Env buildpack.Env
	// Stdout receives the logs; Stderr the boot command's own messages.
	Stdout, Stderr io.Writer
	// Starter starts nginx and PHP-FPM; nil means real processes.
	Starter buildpack.Starter
	// Runner runs the configuration test of a server that died (nginx -t,
	// php-fpm -t) to say why; nil means real processes.
	Runner buildpack.Runner
	// CgroupRoot is where the memory limit is read; "" means /sys/fs/cgroup.
	CgroupRoot string
	// RunDir holds the rendered configuration, sockets, pids and logs; ""
	// means a private temporary directory removed on exit.
	RunDir string
	// StartTimeout bounds the wait for PHP-FPM's socket; 0 means 30s.
	StartTimeout time.Duration
	// StopTimeout bounds each server's graceful stop; 0 means 4s.
	StopTimeout time.Duration
}

// ServerError says which server ended the boot command.
type ServerError struct {
	// Process is "php-fpm" or "nginx".
	Process string
	// Err is how it ended.
	Err error
	// Config, when set, is why: the server's configuration test refuses
	// the configuration, as the build's check would have said.
	Config *buildpack.UserError
}

// Error implements error.
func (e *ServerError) Error() string {
	msg := fmt.Sprintf("Boot failed: %s exited unexpectedly (%v)", e.Process, e.Err)
	if e.Config != nil {
		msg += "\n" + e.Config.Error()
	}
	return msg
}

// Unwrap returns how the process ended.
func (e *ServerError) Unwrap() error { return e.Err }

// Run is the web process of a PHP slug (`kiln php-boot`). It renders the
// nginx and PHP-FPM configuration from the build's settings and the runtime
// environment, sizes PHP-FPM, starts PHP-FPM, waits for its socket, starts
// nginx and streams the logs to Stdout. When ctx is cancelled (SIGTERM) it
// stops both gracefully and returns nil; when either server dies it stops
// the other and returns a *ServerError naming it.
func Run(ctx context.Context, opts Options) error {
	opts.defaults()
	rt, err := prepareBoot(opts)
	if err != nil {
		return err
	}
	defer rt.cleanup()
	if err := portFree(rt.set.port); err != nil {
		return err
	}
	for _, n := range rt.notes {
		fmt.Fprintln(opts.Stderr, n)
	}
	fmt.Fprintln(opts.Stderr, rt.concurrency.Line())
	logCtx, stopLogs := context.WithCancel(context.Background())
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		tailFiles(logCtx, opts.Stdout, rt.logFiles())
	}()
	defer func() {
		stopLogs()
		<-logsDone
	}()
	return rt.supervise(ctx)
}

func (o *Options) defaults() {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	// The servers' output, the log tailer and the supervisor write at once.
	o.Stdout = &lockedWriter{w: o.Stdout}
	o.Stderr = &lockedWriter{w: o.Stderr}
	if o.Starter == nil {
		o.Starter = buildpack.ExecStarter{}
	}
	if o.Runner == nil {
		o.Runner = buildpack.ExecRunner{}
	}
	if o.CgroupRoot == "" {
		o.CgroupRoot = "/sys/fs/cgroup"
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 30 * time.Second
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = 4 * time.Second
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// bootSettings are the build's settings with the runtime overrides applied.
type bootSettings struct {
	port              int
	docRoot           string
	index             string
	nginxIncludes     []string
	nginxHTTPIncludes []string
	accessLogFormat   string
}

// runtimeSettings applies PORT, DOCUMENT_ROOT, INDEX_DOCUMENT,
// NGINX_INCLUDES, NGINX_HTTP_INCLUDES and ACCESS_LOG_FORMAT.
func runtimeSettings(bc *Config, env buildpack.Env) (bootSettings, error) {
	s := bootSettings{docRoot: bc.DocumentRoot, index: bc.IndexDocument, nginxIncludes: bc.NginxIncludes,
		nginxHTTPIncludes: bc.NginxHTTPIncludes, accessLogFormat: bc.AccessLogFormat}
	portText := strings.TrimSpace(env.Get("PORT"))
	port, err := strconv.Atoi(portText)
	if portText == "" || err != nil || port < 1 || port > 65535 {
		return s, &buildpack.UserError{Msg: fmt.Sprintf("PORT=%q: the web process needs the port to listen on", portText),
			Hint: "The platform sets PORT; to run locally, set it yourself, e.g. PORT=8080."}
	}
	s.port = port
	// An empty DOCUMENT_ROOT keeps the build's; "." is the app root.
	if v := env.Get("DOCUMENT_ROOT"); strings.TrimSpace(v) != "" {
		if err := CheckAppPath("DOCUMENT_ROOT", v); err != nil {
			return s, err
		}
		s.docRoot = CleanRel(v)
	}
	if v := env.Get("INDEX_DOCUMENT"); v != "" {
		if err := CheckIndexDocument(v); err != nil {
			return s, err
		}
		s.index = v
	}
	for name, dst := range map[string]*[]string{"NGINX_INCLUDES": &s.nginxIncludes, "NGINX_HTTP_INCLUDES": &s.nginxHTTPIncludes} {
		if v, ok := env.Lookup(name); ok {
			*dst = strings.Fields(v)
			for _, p := range *dst {
				if err := CheckAppPath(name, p); err != nil {
					return s, err
				}
			}
		}
	}
	if v := env.Get("ACCESS_LOG_FORMAT"); v != "" {
		s.accessLogFormat = v
	}
	if s.index == "" {
		s.index = "index.php"
	}
	return s, nil
}

// absIncludes turns app-relative includes into absolute paths that exist.
func absIncludes(appDir string, rels []string) ([]string, error) {
	var out []string
	for _, r := range rels {
		p := filepath.Join(appDir, filepath.FromSlash(CleanRel(r)))
		if _, err := os.Stat(p); err != nil {
			return nil, buildpack.Userf("nginx include %s: %v", r, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// portFree fails when another program already answers on port: nginx
// would fail to bind it, after the ready line was printed for the other
// program's answers. It connects rather than binds, so that it never holds
// the port itself.
func portFree(port int) error {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return nil
	}
	c.Close()
	return buildpack.Userf("port %d is already in use by another program", port).
		WithHint("Stop that program, or set PORT to a free port.")
}
