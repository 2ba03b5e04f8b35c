package php

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// fakeSlug writes the files the boot command reads into a new directory.
func fakeSlug(t *testing.T, bc *bootConfig, files map[string]string) string {
	t.Helper()
	app := t.TempDir()
	ini, err := render("php.ini.tmpl", phpIniData{})
	require.NoError(t, err)
	files[phpIniPath] = ini
	for name, body := range files {
		p := filepath.Join(app, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	require.NoError(t, writeBootConfig(app, bc))
	return app
}

// requireProgram finds a host program, failing in CI and skipping elsewhere.
func requireProgram(t *testing.T, names ...string) string {
	t.Helper()
	env := buildpack.EnvFromOS()
	p, err := findProgram(env, names...)
	if err != nil {
		if env.Bool("CI") {
			t.Fatalf("%s is required in CI", names[0])
		}
		t.Skipf("%s not installed", names[0])
	}
	return p
}

// TestNginxConfigsPassNginxT renders the configuration of every framework,
// with http and server includes and a custom log format, and checks it
// with the real nginx.
func TestNginxConfigsPassNginxT(t *testing.T) {
	nginx := requireProgram(t, "nginx")
	fws := append(frameworks(), defaultFramework())
	for _, fw := range fws {
		t.Run(fw.Key, func(t *testing.T) {
			bc := &bootConfig{Framework: fw.Key, DocumentRoot: fw.DocRoot, IndexDocument: "index.php",
				NginxIncludes: []string{"nginx/server.conf"}, NginxHTTPIncludes: []string{"nginx/http.conf"},
				AccessLogFormat: `$remote_addr "$request" it's $status \ done`}
			app := fakeSlug(t, bc, map[string]string{
				"nginx/http.conf":   "limit_req_zone $binary_remote_addr zone=kiln:1m rate=1r/s;\n",
				"nginx/server.conf": "location /login { limit_req zone=kiln; try_files $uri /index.php?$query_string; }\n",
			})
			rt, err := prepareBoot(BootOptions{AppDir: app, Env: buildpack.Env{"PORT": "8080"}, RunDir: t.TempDir()})
			require.NoError(t, err)
			conf := rt.path("conf", "nginx.conf")
			out, err := exec.Command(nginx, "-t", "-p", rt.path("nginx")+"/", "-c", conf, "-e", rt.path("logs", "nginx-error.log")).CombinedOutput()
			text, _ := os.ReadFile(conf)
			require.NoError(t, err, "nginx -t:\n%s\nconfiguration:\n%s", out, text)
			assert.Contains(t, string(out), "test is successful")
		})
	}
}

// TestPHPFPMConfigPassesTest checks the rendered PHP-FPM configuration,
// including php-fpm-config lines, with the real PHP-FPM.
func TestPHPFPMConfigPassesTest(t *testing.T) {
	fpm := requireProgram(t, "php-fpm")
	app := fakeSlug(t, &bootConfig{Framework: "default"}, map[string]string{
		fpmIncDir + "/90-php-fpm-config.conf": "[web]\npm.status_path = /status\nphp_value[memory_limit] = 64M\n",
	})
	rt, err := prepareBoot(BootOptions{AppDir: app, Env: buildpack.Env{"PORT": "8080", "WEB_CONCURRENCY": "1"}, RunDir: t.TempDir()})
	require.NoError(t, err)
	args := append([]string{"-t"}, rt.fpm.Args...)
	out, err := exec.Command(fpm, args...).CombinedOutput()
	text, _ := os.ReadFile(rt.path("conf", "php-fpm.conf"))
	require.NoError(t, err, "php-fpm -t:\n%s\nconfiguration:\n%s", out, text)
}
