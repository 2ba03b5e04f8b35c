package php

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cp "github.com/otiai10/copy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/php/boot"
	"github.com/kiln-dev/kiln/stacks"
)

// requireHostRuntime skips without the host programs, except in CI where
// they must be installed.
func requireHostRuntime(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped with -short")
	}
	env := buildpack.EnvFromOS()
	for _, p := range [][]string{{"php"}, {"php-fpm"}, {"nginx"}, {"composer"}} {
		if _, err := boot.FindProgram(env, p...); err != nil {
			if env.Bool("CI") {
				t.Fatalf("%s is required in CI (apt-get install nginx php-fpm php-cli composer)", p[0])
			}
			t.Skipf("%s not installed", p[0])
		}
	}
}

// buildApp copies a fixture (without its expected/ directory) and builds it
// with the host's runtime and a fresh cache.
func buildApp(t *testing.T, fixture string, extra buildpack.Env) (string, *buildpacktest.SyncBuffer) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, cp.Copy(filepath.Join("..", "fixtures", fixture), src))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "expected")))
	app, out, _, _ := compileCopy(t, src, t.TempDir(), extra)
	return app, out
}

// compileCopy copies src to a new app directory and builds it with the
// host's runtime and the given cache, and returns the built app, its
// output, the build's report and how long compile took.
func compileCopy(t *testing.T, src, cache string, extra buildpack.Env) (string, *buildpacktest.SyncBuffer, buildpack.Summary, time.Duration) {
	t.Helper()
	app := filepath.Join(t.TempDir(), "app")
	require.NoError(t, cp.Copy(src, app))
	ctx, out := hostContext(t, app, cache, extra)
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, Buildpack{}.Compile(ctx, p), "build output:\n%s", out.String())
	return app, out, ctx.Report.Summary(), time.Since(start)
}

// hostContext is the build context of app with the host's runtime, the
// given cache and extra variables, and the buffer of its output.
func hostContext(t *testing.T, app, cache string, extra buildpack.Env) (*buildpack.Context, *buildpacktest.SyncBuffer) {
	t.Helper()
	st, err := stacks.Load("")
	require.NoError(t, err)
	env := buildpack.Env{"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "KILN_PHP_RUNTIME": "system", "STACK": st.Name}.Merge(extra)
	out := &buildpacktest.SyncBuffer{}
	exe, err := os.Executable()
	require.NoError(t, err)
	return &buildpack.Context{Ctx: context.Background(), AppDir: app, CacheDir: cache, Env: env, Stack: st,
		Log: buildpack.NewLogger(out, env.SecretValues()), Runner: buildpack.ExecRunner{}, Executable: exe, Report: &buildpack.Report{}}, out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// booted is a running boot command.
type booted struct {
	port    int
	cancel  context.CancelFunc
	done    chan error
	out     *buildpacktest.SyncBuffer
	errs    *buildpacktest.SyncBuffer
	stopped bool
}

func bootApp(t *testing.T, app string, extra buildpack.Env) *booted {
	t.Helper()
	port := freePort(t)
	env := buildpack.Env{"PATH": os.Getenv("PATH"), "PORT": fmt.Sprint(port)}.Merge(extra)
	ctx, cancel := context.WithCancel(context.Background())
	b := &booted{port: port, cancel: cancel, done: make(chan error, 1), out: &buildpacktest.SyncBuffer{}, errs: &buildpacktest.SyncBuffer{}}
	go func() { b.done <- boot.Run(ctx, boot.Options{AppDir: app, Env: env, Stdout: b.out, Stderr: b.errs}) }()
	t.Cleanup(func() {
		if !b.stopped {
			cancel()
			select {
			case <-b.done:
			case <-time.After(15 * time.Second):
			}
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(b.errs.String(), "ready for connections") {
			return b
		}
		select {
		case err := <-b.done:
			t.Fatalf("boot ended: %v\nstderr:\n%s\nstdout:\n%s", err, b.errs.String(), b.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("boot not ready after 15s\nstderr:\n%s\nstdout:\n%s", b.errs.String(), b.out.String())
	return nil
}

func (b *booted) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", b.port, path))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// stop sends the equivalent of SIGTERM and checks the clean exit.
func (b *booted) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	b.stopped = true
	b.cancel()
	select {
	case err := <-b.done:
		assert.NoError(t, err)
		assert.Less(t, time.Since(start), 10*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("boot did not stop within 10s")
	}
}

func TestEndToEndClassic(t *testing.T) {
	requireHostRuntime(t)
	t0 := time.Now()
	app, _ := buildApp(t, "php-e2e-classic", nil)
	t.Logf("build %s", time.Since(t0))
	b := bootApp(t, app, buildpack.Env{"MY_VAR": "reaches-php", "CONTAINER_SIZE": "S"})
	code, body := b.get(t, "/")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "Hello from a classic PHP app")
	assert.Contains(t, body, "memory_limit=196M")
	assert.Contains(t, body, "env MY_VAR=reaches-php")
	for _, path := range []string{"/.env", "/composer.lock.bak/../.env", "/.kiln/php/boot.json", "/.kiln/bin/kiln"} {
		code, _ := b.get(t, path)
		assert.NotEqual(t, 200, code, path)
	}
	assert.Contains(t, b.errs.String(), "PHP-FPM runs 3 processes")
	t.Logf("boot+requests %s", time.Since(t0))
	b.stop(t)
	t.Logf("stopped %s\n%s\n%s", time.Since(t0), b.errs.String(), b.out.String())
}

func TestEndToEndComposer(t *testing.T) {
	requireHostRuntime(t)
	secret := "s3cr3t-composer-pass"
	auth := `{"http-basic":{"repo.example.org":{"username":"kiln","password":"` + secret + `"}}}`
	app, out := buildApp(t, "php-e2e-composer", buildpack.Env{"COMPOSER_AUTH": auth})
	assert.NotContains(t, out.String(), secret)
	assertNotInTree(t, app, secret)
	assert.NoFileExists(t, filepath.Join(app, "auth.json"))
	assert.FileExists(t, filepath.Join(app, "vendor/kiln-test/greeter/src/Greeter.php"))

	b := bootApp(t, app, buildpack.Env{"CONTAINER_SIZE": "L"})
	code, body := b.get(t, "/")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "Hello, kiln, from the greeter library")
	assert.Contains(t, body, "max_execution_time=42")
	assert.Contains(t, body, "APP_ENV=prod")
	for _, path := range []string{"/composer.json", "/.env", "/vendor/autoload.php", "/../composer.json"} {
		code, _ := b.get(t, path)
		assert.NotEqual(t, 200, code, path)
	}
	assert.Contains(t, b.errs.String(), "PHP-FPM runs 7 processes")
	b.stop(t)

	// With the app itself as document root, the private files stay private.
	b = bootApp(t, app, buildpack.Env{"DOCUMENT_ROOT": ".", "WEB_CONCURRENCY": "1"})
	code, body = b.get(t, "/public/index.php")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "greeter library")
	for _, path := range []string{"/composer.json", "/composer.lock", "/.env", "/vendor/autoload.php", "/vendor/composer/installed.json", "/.kiln/php/php.ini", "/.profile.d/php.sh"} {
		code, _ := b.get(t, path)
		assert.Equal(t, 404, code, path)
	}
	code, _ = b.get(t, "/.well-known/missing")
	assert.Equal(t, 404, code)
	assert.Contains(t, b.errs.String(), "PHP-FPM runs 1 processes: WEB_CONCURRENCY=1")
	b.stop(t)
}

// assertNotInTree fails when any file under dir contains s.
func assertNotInTree(t *testing.T, dir, s string) {
	t.Helper()
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.HasSuffix(p, bootBinary) {
			// The boot binary is this test binary here, secret literal included.
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), s) {
			t.Errorf("secret found in %s", p)
		}
		return nil
	}))
}
