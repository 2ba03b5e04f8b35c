package boot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// fakeProc stands in for nginx or PHP-FPM.
type fakeProc struct {
	mu   sync.Mutex
	sigs []os.Signal
	done chan struct{}
	once sync.Once
	err  error
	ln   net.Listener
}

func (p *fakeProc) Pid() int { return 2147483000 }

func (p *fakeProc) Signal(sig os.Signal) error {
	p.mu.Lock()
	p.sigs = append(p.sigs, sig)
	p.mu.Unlock()
	if sig == syscall.SIGQUIT || sig == syscall.SIGKILL {
		p.exit(nil)
	}
	return nil
}

func (p *fakeProc) exit(err error) {
	p.once.Do(func() {
		p.err = err
		if p.ln != nil {
			p.ln.Close()
		}
		close(p.done)
	})
}

func (p *fakeProc) Wait() error { <-p.done; return p.err }

func (p *fakeProc) signals() []os.Signal {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]os.Signal(nil), p.sigs...)
}

// fakeStarter starts fake servers: PHP-FPM listens on the socket of its
// configuration; nginx dies after nginxLife when it is set.
type fakeStarter struct {
	t         *testing.T
	nginxLife time.Duration
	fpmDies   bool
	mu        sync.Mutex
	procs     map[string]*fakeProc
	cmds      map[string]buildpack.Cmd
}

func (s *fakeStarter) Start(c buildpack.Cmd) (buildpack.Process, error) {
	p := &fakeProc{done: make(chan struct{})}
	name := "nginx"
	if strings.Contains(c.Name, "php-fpm") {
		name = "php-fpm"
		conf, err := os.ReadFile(c.Args[2])
		require.NoError(s.t, err)
		sock := regexp.MustCompile(`(?m)^listen = (.*)$`).FindStringSubmatch(string(conf))[1]
		if s.fpmDies {
			go p.exit(errors.New("exit status 78"))
		} else {
			ln, err := net.Listen("unix", sock)
			require.NoError(s.t, err)
			p.ln = ln
		}
	} else if s.nginxLife > 0 {
		go func() { time.Sleep(s.nginxLife); p.exit(errors.New("exit status 1")) }()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs[name], s.cmds[name] = p, c
	return p, nil
}

func (s *fakeStarter) proc(name string) *fakeProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[name]
}

func bootFake(t *testing.T, s *fakeStarter, env buildpack.Env) (context.CancelFunc, chan error, *buildpacktest.SyncBuffer) {
	app := fakeSlug(t, &Config{Framework: "laravel", Site: Site{Name: "Laravel", Template: "front"}, DocumentRoot: "public", IndexDocument: "index.php",
		PHPFPM: "/usr/sbin/php-fpm8.2", Nginx: "vendor/nginx/sbin/nginx", LogFiles: []string{"storage/logs/laravel.log"}},
		map[string]string{"storage/logs/laravel.log": "old line\n"})
	s.t, s.procs, s.cmds = t, map[string]*fakeProc{}, map[string]buildpack.Cmd{}
	ctx, cancel := context.WithCancel(context.Background())
	errs := &buildpacktest.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{AppDir: app, Env: env, Starter: s, Runner: &buildpacktest.RecordingRunner{}, Stderr: errs, StopTimeout: time.Second})
	}()
	t.Cleanup(cancel)
	return cancel, done, errs
}

// bootEnd waits for a boot started by bootFake to end, and returns its error.
func bootEnd(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("boot did not end")
		return nil
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBootStopsGracefully(t *testing.T) {
	s := &fakeStarter{}
	cancel, done, errs := bootFake(t, s, buildpack.Env{"PORT": "8080", "CONTAINER_SIZE": "XL", "SECRET_KEY": "x"})
	waitFor(t, func() bool { return s.proc("nginx") != nil })
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("boot did not stop")
	}
	assert.Equal(t, []os.Signal{syscall.SIGQUIT}, s.proc("nginx").signals())
	assert.Equal(t, []os.Signal{syscall.SIGQUIT}, s.proc("php-fpm").signals())
	assert.Contains(t, errs.String(), "PHP-FPM runs 12 processes")
	fpm := s.cmds["php-fpm"]
	assert.Equal(t, "/usr/sbin/php-fpm8.2", fpm.Name)
	assert.Equal(t, "x", fpm.Env.Get("SECRET_KEY"), "every variable reaches PHP")
	assert.Equal(t, "12", fpm.Env.Get("WEB_CONCURRENCY"))
	assert.Equal(t, os.Geteuid() == 0, slices.Contains(fpm.Args, "--allow-to-run-as-root"))
	assert.True(t, strings.HasSuffix(s.cmds["nginx"].Name, "/vendor/nginx/sbin/nginx"))
}

func TestBootNginxDeathStopsPHPFPM(t *testing.T) {
	s := &fakeStarter{nginxLife: 100 * time.Millisecond}
	_, done, errs := bootFake(t, s, buildpack.Env{"PORT": "8080"})
	err := bootEnd(t, done)
	var be *ServerError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "nginx", be.Process)
	assert.Equal(t, "Boot failed: nginx exited unexpectedly (exit status 1)", err.Error())
	assert.Equal(t, []os.Signal{syscall.SIGQUIT}, s.proc("php-fpm").signals())
	assert.Contains(t, errs.String(), "Boot failed: nginx")
}

func TestBootPHPFPMDeathIsNamed(t *testing.T) {
	s := &fakeStarter{fpmDies: true}
	_, done, _ := bootFake(t, s, buildpack.Env{"PORT": "8080"})
	err := <-done
	var be *ServerError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "php-fpm", be.Process)
	assert.Nil(t, s.proc("nginx"), "nginx never starts without PHP-FPM")
}

func TestBootNeedsValidSettings(t *testing.T) {
	for name, env := range map[string]buildpack.Env{
		"no PORT":            {},
		"bad PORT":           {"PORT": "http"},
		"bad concurrency":    {"PORT": "8080", "WEB_CONCURRENCY": "zomg"},
		"docroot escape":     {"PORT": "8080", "DOCUMENT_ROOT": "../../etc"},
		"include escape":     {"PORT": "8080", "NGINX_INCLUDES": "/etc/passwd"},
		"missing include":    {"PORT": "8080", "NGINX_HTTP_INCLUDES": "conf/none.conf"},
		"bad index document": {"PORT": "8080", "INDEX_DOCUMENT": "../x.php"},
	} {
		t.Run(name, func(t *testing.T) {
			s := &fakeStarter{}
			_, done, _ := bootFake(t, s, env)
			err := <-done
			_, ok := buildpack.AsUserError(err)
			assert.True(t, ok, "%v", err)
			assert.Nil(t, s.proc("php-fpm"))
		})
	}
}

func TestBootRuntimeOverrides(t *testing.T) {
	app := fakeSlug(t, &Config{Framework: "symfony", Site: Site{Name: "Symfony", Template: "front", OnlyFrontController: true}, DocumentRoot: "public", IndexDocument: "index.php", AccessLogFormat: "build-time"},
		map[string]string{"www/index.php": "<?php", "conf/http.conf": "# http\n", "conf/server.conf": "# server\n"})
	rt, err := prepareBoot(Options{AppDir: app, RunDir: t.TempDir(), Env: buildpack.Env{
		"PORT": "9000", "DOCUMENT_ROOT": "www", "INDEX_DOCUMENT": "main.php", "NGINX_INCLUDES": "conf/server.conf",
		"NGINX_HTTP_INCLUDES": "conf/http.conf", "ACCESS_LOG_FORMAT": "$remote_addr it's"}})
	require.NoError(t, err)
	conf, err := os.ReadFile(rt.path("conf", "nginx.conf"))
	require.NoError(t, err)
	text := string(conf)
	for _, want := range []string{"listen 9000;", `root "` + app + `/www";`, "index main.php index.html index.htm;",
		`include "` + app + `/conf/server.conf";`, `include "` + app + `/conf/http.conf";`, `log_format kiln '$remote_addr it\'s';`} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "location ^~ /vendor/", "the vendor rule is for an app-root document root")
}

func TestBootEmptyDocumentRootKeepsTheBuilds(t *testing.T) {
	app := fakeSlug(t, &Config{Framework: "laravel", Site: Site{Name: "Laravel", Template: "front"}, DocumentRoot: "public", IndexDocument: "index.php"},
		map[string]string{})
	for value, root := range map[string]string{"": app + "/public", " ": app + "/public", ".": app, "./": app} {
		rt, err := prepareBoot(Options{AppDir: app, RunDir: t.TempDir(), Env: buildpack.Env{"PORT": "9000", "DOCUMENT_ROOT": value}})
		require.NoError(t, err)
		conf, err := os.ReadFile(rt.path("conf", "nginx.conf"))
		require.NoError(t, err)
		assert.Contains(t, string(conf), `root "`+root+`";`, "DOCUMENT_ROOT=%q", value)
	}
}

// TestBootNamesAMissingDocumentRoot: a document root that is not in the
// slug is said at boot (every request would get a 404), not left silent.
func TestBootNamesAMissingDocumentRoot(t *testing.T) {
	s := &fakeStarter{}
	cancel, done, errs := bootFake(t, s, buildpack.Env{"PORT": "8080", "DOCUMENT_ROOT": "web"})
	waitFor(t, func() bool { return s.proc("nginx") != nil })
	cancel()
	<-done
	assert.Contains(t, errs.String(), "The document root web/ (from DOCUMENT_ROOT) is not a directory of the app: every request gets 404 Not Found.")
}

// TestBootRefusesAPortInUse: when another program owns PORT, the boot says
// so at once (it printed "Application ready" for the other program before).
func TestBootRefusesAPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	s := &fakeStarter{}
	_, done, errs := bootFake(t, s, buildpack.Env{"PORT": strconv.Itoa(port)})
	u, ok := buildpack.AsUserError(bootEnd(t, done))
	require.True(t, ok, "%v", err)
	assert.Equal(t, fmt.Sprintf("port %d is already in use by another program", port), u.Msg)
	assert.NotContains(t, errs.String(), "Application ready")
	assert.Nil(t, s.proc("nginx"), "nothing started")
}

// TestBootExplainsALongTMPDIR: a TMPDIR so long that PHP-FPM's socket path
// cannot be made is explained at once (it was a 30 s wait with no cause).
func TestBootExplainsALongTMPDIR(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	require.NoError(t, os.MkdirAll(long, 0o755))
	t.Setenv("TMPDIR", long)
	s := &fakeStarter{}
	_, done, _ := bootFake(t, s, buildpack.Env{"PORT": "8080"})
	err := bootEnd(t, done)
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, u.Msg, "more than a unix socket allows (107)")
	assert.Contains(t, u.Hint, "set TMPDIR to a shorter directory")
	entries, _ := os.ReadDir(long)
	assert.Empty(t, entries, "the run directory is removed")
}
