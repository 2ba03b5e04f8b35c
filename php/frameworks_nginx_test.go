package php

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// TestNginxConfigsPassNginxT renders the configuration of every framework,
// with http and server includes and a custom log format, and checks it
// with the real nginx.
func TestNginxConfigsPassNginxT(t *testing.T) {
	nginx := requireProgram(t, "nginx")
	fws := append(frameworks(), defaultFramework())
	for _, tc := range []struct{ name, server string }{
		{"", "location /login { limit_req zone=kiln; try_files $uri /index.php?$query_string; }\n"},
		// The platform's URL-rewriting example: its location / replaces the
		// framework's own.
		{"/root-location", "location /login { limit_req zone=kiln; }\nlocation / {\n  try_files $uri $uri/ /index.php?$args;\n}\n"},
	} {
		for _, fw := range fws {
			t.Run(fw.Key+tc.name, func(t *testing.T) { checkNginxConfig(t, nginx, fw, tc.server) })
		}
	}
}

// checkNginxConfig renders fw's configuration with the server include and
// has nginx test it.
func checkNginxConfig(t *testing.T, nginx string, fw framework, server string) {
	t.Helper()
	bc := &boot.Config{Framework: fw.Key, Site: fw.site(), DocumentRoot: fw.DocRoot, IndexDocument: "index.php",
		NginxIncludes: []string{"nginx/server.conf"}, NginxHTTPIncludes: []string{"nginx/http.conf"},
		AccessLogFormat: `$remote_addr "$request" it's $status \ done`}
	app := fakeSlug(t, bc, map[string]string{
		"nginx/http.conf":   "limit_req_zone $binary_remote_addr zone=kiln:1m rate=1r/s;\n",
		"nginx/server.conf": server,
	})
	run := renderBoot(t, app, buildpack.Env{"PORT": "8080"})
	conf := filepath.Join(run, "conf", "nginx.conf")
	out, err := exec.Command(nginx, "-t", "-p", filepath.Join(run, "nginx")+"/", "-c", conf, "-e", filepath.Join(run, "logs", "nginx-error.log")).CombinedOutput()
	text, _ := os.ReadFile(conf)
	require.NoError(t, err, "nginx -t:\n%s\nconfiguration:\n%s", out, text)
	assert.Contains(t, string(out), "test is successful")
}

// fakeSlug writes what the build leaves for the boot command (php.ini,
// boot.json) and files into a new directory.
func fakeSlug(t *testing.T, bc *boot.Config, files map[string]string) string {
	t.Helper()
	app := t.TempDir()
	ini, err := boot.RenderPHPIni(boot.PHPIni{})
	require.NoError(t, err)
	files[phpIniPath] = ini
	data, err := bc.Marshal()
	require.NoError(t, err)
	files[bootJSONPath] = string(data)
	for name, body := range files {
		p := filepath.Join(app, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return app
}

// renderBoot runs the boot command on app with a starter that starts
// nothing: it renders the configuration into the run directory it returns,
// then fails to start PHP-FPM.
func renderBoot(t *testing.T, app string, env buildpack.Env) string {
	t.Helper()
	run := t.TempDir()
	err := boot.Run(context.Background(), boot.Options{AppDir: app, Env: env, RunDir: run, Starter: startNothing{}})
	require.ErrorContains(t, err, "starting php-fpm: started nothing")
	return run
}

// startNothing is a buildpack.Starter that starts no program.
type startNothing struct{}

func (startNothing) Start(buildpack.Cmd) (buildpack.Process, error) {
	return nil, errors.New("started nothing")
}

// requireProgram finds a host program, failing in CI and skipping elsewhere.
func requireProgram(t *testing.T, names ...string) string {
	t.Helper()
	env := buildpack.EnvFromOS()
	p, err := boot.FindProgram(env, names...)
	if err != nil {
		if env.Bool("CI") {
			t.Fatalf("%s is required in CI", names[0])
		}
		t.Skipf("%s not installed", names[0])
	}
	return p
}
