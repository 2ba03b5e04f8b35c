package boot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// fakeSlug writes the files the boot command reads into a new directory.
func fakeSlug(t *testing.T, bc *Config, files map[string]string) string {
	t.Helper()
	app := t.TempDir()
	ini, err := RenderPHPIni(PHPIni{})
	require.NoError(t, err)
	files[PHPIniPath] = ini
	for name, body := range files {
		p := filepath.Join(app, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	data, err := bc.Marshal()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(app, ConfigPath), data, 0o644))
	return app
}

// requireProgram finds a host program, failing in CI and skipping elsewhere.
func requireProgram(t *testing.T, names ...string) string {
	t.Helper()
	env := buildpack.EnvFromOS()
	p, err := FindProgram(env, names...)
	if err != nil {
		if env.Bool("CI") {
			t.Fatalf("%s is required in CI", names[0])
		}
		t.Skipf("%s not installed", names[0])
	}
	return p
}

// TestPHPFPMConfigPassesTest checks the rendered PHP-FPM configuration,
// including php-fpm-config lines, with the real PHP-FPM.
func TestPHPFPMConfigPassesTest(t *testing.T) {
	fpm := requireProgram(t, "php-fpm")
	app := fakeSlug(t, &Config{Framework: "default"}, map[string]string{
		FPMIncludeDir + "/90-php-fpm-config.conf": "[web]\npm.status_path = /status\nphp_value[memory_limit] = 64M\n",
	})
	rt, err := prepareBoot(Options{AppDir: app, Env: buildpack.Env{"PORT": "8080", "WEB_CONCURRENCY": "1"}, RunDir: t.TempDir()})
	require.NoError(t, err)
	args := append([]string{"-t"}, rt.fpm.Args...)
	out, err := exec.Command(fpm, args...).CombinedOutput()
	text, _ := os.ReadFile(rt.path("conf", "php-fpm.conf"))
	require.NoError(t, err, "php-fpm -t:\n%s\nconfiguration:\n%s", out, text)
}

// TestConfigWithSpacesInPathsPassesTest: a slug, a run directory and
// includes whose paths hold spaces (and quotes) render a configuration the
// real nginx and PHP-FPM accept.
func TestConfigWithSpacesInPathsPassesTest(t *testing.T) {
	fpm := requireProgram(t, "php-fpm")
	nginx := requireProgram(t, "nginx")
	bc := &Config{Framework: "laravel", Site: Site{Name: "Laravel", Template: "front"}, DocumentRoot: "public dir", IndexDocument: "index.php",
		PHPFPM: fpm, Nginx: nginx, NginxIncludes: []string{"conf/my app.conf"}, NginxHTTPIncludes: []string{"conf/http extra.conf"}}
	app := fakeSlug(t, bc, map[string]string{"public dir/index.php": "<?php", "conf/my app.conf": "location /x { return 204; }\n",
		"conf/http extra.conf": "# nothing\n", FPMIncludeDir + "/50-01-pool.conf": "[web]\npm.status_path = /status\n"})
	spaced := filepath.Join(t.TempDir(), `my "slug" dir`)
	require.NoError(t, os.Rename(app, spaced))
	tmp, err := os.MkdirTemp("", "k s") // short: the socket's path has a limit
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	_, err = Check(context.Background(), CheckOptions{AppDir: spaced, Env: buildpack.Env{"PATH": os.Getenv("PATH")}, Runner: buildpack.ExecRunner{}})
	require.NoError(t, err)
}
