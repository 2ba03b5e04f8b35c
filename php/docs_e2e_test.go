package php

import (
	"context"
	"fmt"
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
)

// TestEndToEndDocumentedExamples builds and boots a Laravel app configured
// with the platform documentation's PHP examples: the block of default
// extra.paas values (an empty document-root keeps Laravel's public/),
// php-config, php-fpm-config's log_level=debug (a global directive), the
// rate-limiting includes and the URL-rewriting include, whose location /
// replaces Laravel's own.
func TestEndToEndDocumentedExamples(t *testing.T) {
	requireHostRuntime(t)
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, cp.Copy(filepath.Join("..", "fixtures", "php-e2e-documented"), src))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "expected")))
	app, out, report, total := compileCopy(t, src, t.TempDir(), nil)
	for _, s := range report.Steps {
		if s.Name == stepCheckConfig {
			t.Logf("check-config took %s of the build's %s", s.Duration, total)
		}
	}
	assert.Contains(t, out.String(), "nginx: location / comes from nginx-app.conf (line 6); it replaces the Laravel rules' own location /.")
	assert.Contains(t, out.String(), "nginx and PHP-FPM accept the configuration")
	assert.Contains(t, out.String(), "document root /public")

	b := bootApp(t, app, nil)
	code, body := b.get(t, "/")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, "front controller route=/\n")
	assert.Contains(t, body, "short_open_tag=1")
	code, body = b.get(t, "/posts/42?page=2")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, "front controller route=/posts/42")
	code, body = b.get(t, "/login")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, "route=/login")
	code, body = b.get(t, "/robots.txt")
	assert.Equal(t, 200, code)
	assert.Equal(t, "static file\n", body)
	code, _ = b.get(t, "/composer.json")
	assert.Equal(t, 404, code)
	// php-includes, php-fpm-includes, compile, access-log-format, log-files.
	_, body = b.get(t, "/")
	assert.Contains(t, body, "upload_max_filesize=20M")
	assert.Contains(t, body, "date.timezone=Europe/Paris")
	code, body = b.get(t, "/build.txt")
	assert.Equal(t, 200, code)
	assert.Equal(t, "compiled at build time", body)
	assert.Eventually(t, func() bool {
		return strings.Contains(b.out.String(), `kiln-e2e "GET /build.txt HTTP/1.1" 200`) &&
			strings.Contains(b.out.String(), "app log: /posts/42")
	}, 10*time.Second, 50*time.Millisecond, b.out.String())
	assert.Contains(t, b.errs.String(), "location / comes from nginx-app.conf")
	b.stop(t)
	assert.Contains(t, b.out.String(), "DEBUG: pid", "log_level=debug reached PHP-FPM's [global] section")
}

// TestEndToEndBrokenConfigurationFailsTheBuild checks that configurations
// nginx or PHP-FPM refuse fail the build, naming the file, the line and
// the composer.json key they come from.
func TestEndToEndBrokenConfigurationFailsTheBuild(t *testing.T) {
	requireHostRuntime(t)
	for name, tc := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"nginx include": {
			files: map[string]string{"nginx-app.conf": "location /x {\n    try_files $uri /index.php\n}\n"},
			want:  []string{"nginx refuses the configuration", "in nginx-app.conf, line 3", "extra.paas.nginx-includes"},
		},
		"nginx http include": {
			files: map[string]string{"nginx-http.conf": "limit_req_zone $binary_remote_addr zone=mylimit:10m rate=fast;\n"},
			want:  []string{"nginx refuses the configuration", "in nginx-http.conf, line 1", "extra.paas.nginx-http-includes"},
		},
		"php-fpm-config": {
			files: map[string]string{"composer.json": `{"require": {"php": ">=8.1"}, "repositories": [{"packagist.org": false}],
				"extra": {"paas": {"php-fpm-config": ["log_level=debug", "pm.max_chidren=5"]}}}`,
				"composer.lock": `{"packages": [], "packages-dev": []}`},
			want: []string{"PHP-FPM refuses the configuration: unknown entry 'pm.max_chidren'", "extra.paas.php-fpm-config", `"pm.max_chidren=5"`},
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			require.NoError(t, cp.Copy(filepath.Join("..", "fixtures", "php-e2e-documented"), src))
			require.NoError(t, os.RemoveAll(filepath.Join(src, "expected")))
			for rel, body := range tc.files {
				require.NoError(t, os.WriteFile(filepath.Join(src, rel), []byte(body), 0o644))
			}
			out, err := compileErr(t, src)
			require.Error(t, err, out)
			_, ok := buildpack.AsUserError(err)
			assert.True(t, ok, "%T %v", err, err)
			t.Log(err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestEndToEndBrokenRuntimeIncludeFailsTheBoot checks that an nginx include
// chosen at run time (NGINX_INCLUDES) that nginx refuses fails the boot
// with the same explanation as the build's check.
func TestEndToEndBrokenRuntimeIncludeFailsTheBoot(t *testing.T) {
	requireHostRuntime(t)
	app, _ := buildApp(t, "php-e2e-documented", nil)
	require.NoError(t, os.WriteFile(filepath.Join(app, "late.conf"), []byte("# added after the build\nlocation /late {\n    retrun 200;\n}\n"), 0o644))
	errs := &buildpacktest.SyncBuffer{}
	env := buildpack.Env{"PATH": os.Getenv("PATH"), "PORT": fmt.Sprint(freePort(t)), "NGINX_INCLUDES": "late.conf"}
	done := make(chan error, 1)
	go func() { done <- boot.Run(context.Background(), boot.Options{AppDir: app, Env: env, Stderr: errs}) }()
	select {
	case err := <-done:
		var se *boot.ServerError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "nginx", se.Process)
		require.NotNil(t, se.Config, err.Error())
		assert.Contains(t, err.Error(), `unknown directive "retrun"`)
		assert.Contains(t, err.Error(), `in late.conf, line 3: "retrun 200;" (extra.paas.nginx-includes or NGINX_INCLUDES`)
		assert.Contains(t, errs.String(), "in late.conf, line 3")
	case <-time.After(30 * time.Second):
		t.Fatal("the boot did not fail")
	}
}

// compileErr plans and compiles app with the host's runtime and returns
// the output and the error of compile.
func compileErr(t *testing.T, app string) (string, error) {
	t.Helper()
	ctx, out := hostContext(t, app, t.TempDir(), nil)
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	err = Buildpack{}.Compile(ctx, p)
	return out.String(), err
}
