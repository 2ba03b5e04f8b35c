package php

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/php/boot"
	"github.com/kiln-dev/kiln/stacks"
)

// fakeHost is a PATH directory with stand-ins for the host's programs.
func fakeHost(t *testing.T) string {
	dir := t.TempDir()
	for _, p := range []string{"php", "php-fpm", "nginx", "composer"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755))
	}
	return dir
}

type systemBuild struct {
	app    string
	out    *buildpacktest.SyncBuffer
	run    *buildpacktest.RecordingRunner
	plan   buildpack.Plan
	err    error
	report buildpack.Summary
}

// compileSystem builds files as an app with the (fake) host runtime.
func compileSystem(t *testing.T, files map[string]string, env buildpack.Env, stub func(buildpack.Cmd) error) *systemBuild {
	t.Helper()
	return compileSystemCache(t, files, env, stub, t.TempDir())
}

// compileSystemCache is compileSystem with the given build cache.
func compileSystemCache(t *testing.T, files map[string]string, env buildpack.Env, stub func(buildpack.Cmd) error, cache string) *systemBuild {
	t.Helper()
	app := t.TempDir()
	for rel, body := range files {
		p := filepath.Join(app, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	exe := filepath.Join(t.TempDir(), "kiln")
	require.NoError(t, os.WriteFile(exe, []byte("kiln binary"), 0o755))
	st, err := stacks.Load("")
	require.NoError(t, err)
	out := &buildpacktest.SyncBuffer{}
	host := fakeHost(t)
	run := &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
		if len(c.Args) == 2 && c.Args[0] == "-r" {
			_, _ = c.Stdout.Write([]byte("8.3.7"))
			return nil
		}
		if len(c.Args) > 0 && c.Args[0] == "--version" {
			_, _ = c.Stdout.Write([]byte("Composer version 2.8.1 2024-10-04 11:31:01\n"))
			return nil
		}
		if stub != nil {
			return stub(c)
		}
		return nil
	}}
	env = buildpack.Env{"PATH": host + ":/usr/bin:/bin", "KILN_PHP_RUNTIME": "system", "STACK": st.Name}.Merge(env)
	report := &buildpack.Report{}
	ctx := &buildpack.Context{AppDir: app, CacheDir: cache, Env: env, Stack: st,
		Log: buildpack.NewLogger(out, env.SecretValues()), Runner: run, Executable: exe, Report: report}
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	err = Buildpack{}.Compile(ctx, p)
	return &systemBuild{app: app, out: out, run: run, plan: p, err: err, report: report.Summary()}
}

func TestCompileSystemComposerApp(t *testing.T) {
	b := compileSystem(t, map[string]string{
		"composer.json":                   `{"require": {"php": "^8.2"}, "extra": {"paas": {"compile": ["echo one", "echo two"], "php-config": ["memory_limit=300M"], "php-fpm-config": ["pm.status_path=/status", "log_level = debug", "emergency_restart_threshold=10"], "php-includes": ["conf/extra.ini"]}}}`,
		"composer.lock":                   `{"packages": []}`,
		"conf/extra.ini":                  "opcache.jit=off\n",
		".profile.d/WEB_CONCURRENCY.sh":   "export WEB_CONCURRENCY=1\n",
		".profile.d/other-buildpack.sh":   "export X=1\n",
		"bin/console-not-a-symfony-app.x": "",
	}, buildpack.Env{"COMPOSER_AUTH": `{"github-oauth":{"github.com":"ghp_secret_token_value"}}`}, nil)
	require.NoError(t, b.err, b.out.String())
	host := filepath.Dir(b.run.Calls[0].Name)
	assert.Equal(t, [][]string{
		{host + "/php", "-r", "echo PHP_VERSION;"},
		{host + "/composer", "--version", "--no-interaction", "--no-plugins"},
		{"php", "-m"},
		{"composer", "install", "--prefer-dist", "--optimize-autoloader", "--no-interaction", "--no-progress", "--no-dev"},
		{"sh", "-c", "echo one"},
		{"sh", "-c", "echo two"},
		append(append([]string{host + "/php-fpm", "--nodaemonize", "--fpm-config", "<check>/conf/php-fpm.conf", "-c", b.app + "/" + phpIniPath}, asRoot("--allow-to-run-as-root")...), "-t"),
		{host + "/nginx", "-p", "<check>/nginx/", "-c", "<check>/conf/nginx.conf", "-e", "<check>/logs/nginx-error.log", "-t"},
	}, checkPaths(b.run.Commands()))
	composer := b.run.Calls[3]
	assert.Equal(t, b.app, composer.Dir)
	assert.Equal(t, "prod", composer.Env.Get("APP_ENV"))
	assert.Equal(t, ":"+b.app+"/.kiln/php/conf.d", composer.Env.Get("PHP_INI_SCAN_DIR"))
	assert.Contains(t, composer.Env.Get("COMPOSER_AUTH"), "ghp_secret_token_value", "COMPOSER_AUTH reaches Composer")
	assert.NotContains(t, composer.Env.Get("COMPOSER_HOME"), b.app, "Composer's home is outside the slug")
	assert.NotContains(t, b.out.String(), "ghp_secret_token_value")
	assertNotInTree(t, b.app, "ghp_secret_token_value")

	assert.Contains(t, b.out.String(), "Using the host's PHP 8.3.7")
	assert.Contains(t, b.out.String(), "Running 'echo two'")
	assert.NoFileExists(t, filepath.Join(b.app, ".profile.d/WEB_CONCURRENCY.sh"))
	assert.FileExists(t, filepath.Join(b.app, ".profile.d/other-buildpack.sh"))
	profile, _ := os.ReadFile(filepath.Join(b.app, profilePath))
	assert.Contains(t, string(profile), `export APP_ENV="${APP_ENV:-prod}"`)
	assert.Contains(t, string(profile), `export PHPRC="$HOME/.kiln/php/php.ini"`)
	assert.NotContains(t, string(profile), b.app, "the slug is relocatable")
	ini, _ := os.ReadFile(filepath.Join(b.app, phpIniPath))
	assert.True(t, strings.HasSuffix(string(ini), "memory_limit=300M\n"), string(ini))
	assert.FileExists(t, filepath.Join(b.app, phpScanDir, "50-01-extra.ini"))
	fpm, _ := os.ReadFile(filepath.Join(b.app, fpmIncDir, "90-php-fpm-config.conf"))
	assert.Equal(t, "; extra.paas.php-fpm-config\n[global]\nlog_level = debug\nemergency_restart_threshold=10\n[web]\npm.status_path=/status\n", string(fpm),
		"global directives go to [global], the others to the pool")
	web := strings.Fields(b.plan.Processes["web"])
	assert.Equal(t, []string{".kiln/bin/kiln", "php-boot"}, web, "the web process runs the shipped kiln, relative to the slug")
	bin, _ := os.ReadFile(filepath.Join(b.app, web[0]))
	assert.Equal(t, "kiln binary", string(bin))
	fi, err := os.Stat(filepath.Join(b.app, web[0]))
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&0o111, "the boot command is executable")
	bc, err := boot.ReadConfig(b.app)
	require.NoError(t, err)
	assert.Equal(t, host+"/php-fpm", bc.PHPFPM)
	assert.Equal(t, host+"/nginx", bc.Nginx)
	assert.Equal(t, "system", bc.RuntimeSource)
}

// checkPaths replaces the scratch directory of the configuration check
// (boot.Check) in commands with <check>.
func checkPaths(cmds [][]string) [][]string {
	re := regexp.MustCompile(`^.*/kiln-php-check-[0-9]+`)
	for _, c := range cmds {
		for i, a := range c {
			c[i] = re.ReplaceAllString(a, "<check>")
		}
	}
	return cmds
}

// asRoot returns args when the tests run as root, else nothing.
func asRoot(args ...string) []string {
	if os.Geteuid() == 0 {
		return args
	}
	return nil
}

func TestCompileSystemChecksTheHostPHP(t *testing.T) {
	b := compileSystem(t, map[string]string{"composer.json": `{"require": {"php": "~8.4.0"}}`, "composer.lock": `{}`}, nil, nil)
	u, ok := buildpack.AsUserError(b.err)
	require.True(t, ok, "%v", b.err)
	assert.Equal(t, "The app asks for PHP ~8.4.0 (composer.json require.php) but the host has PHP 8.3.7 ("+filepath.Dir(b.run.Calls[0].Name)+"/php)", u.Msg)
	assert.Len(t, b.run.Calls, 1, "nothing runs after the failed check")
}

func TestCompileSystemMissingExtension(t *testing.T) {
	b := compileSystem(t, map[string]string{"composer.json": `{"require": {"ext-gd": "*", "ext-mbstring": "*"}}`, "composer.lock": `{}`}, nil,
		func(c buildpack.Cmd) error {
			if len(c.Args) == 1 && c.Args[0] == "-m" {
				_, _ = c.Stdout.Write([]byte("[PHP Modules]\nCore\nmbstring\n\n[Zend Modules]\n"))
			}
			return nil
		})
	u, ok := buildpack.AsUserError(b.err)
	require.True(t, ok, "%v", b.err)
	assert.Equal(t, "The app requires the PHP extension(s) gd, which PHP 8.3.7 lacks. It has: core, mbstring", u.Msg)
	assert.Contains(t, u.Hint, "apt-get install php8.3-gd")
}

func TestCompileCommandFailureFailsTheBuild(t *testing.T) {
	b := compileSystem(t, map[string]string{"composer.json": `{"extra": {"paas": {"compile": ["exit 3", "echo never"]}}}`, "composer.lock": `{}`}, nil,
		func(c buildpack.Cmd) error {
			if c.Name == "sh" {
				return &buildpack.ExitError{Code: 3, Err: errors.New("exit status 3")}
			}
			return nil
		})
	var ee *buildpack.ExitError
	require.ErrorAs(t, b.err, &ee)
	assert.Equal(t, "compile-1", ee.Step)
	assert.Equal(t, 3, ee.Code)
	assert.NotContains(t, b.run.Commands(), []string{"sh", "-c", "echo never"})
}

func TestSymfonyWarmupFailureIsAWarning(t *testing.T) {
	b := compileSystem(t, map[string]string{
		"composer.json": `{"require": {"symfony/framework-bundle": "^7"}}`, "composer.lock": `{"packages": [{"name": "symfony/framework-bundle", "version": "v7.1.0"}]}`,
		"bin/console": "<?php", "public/index.php": "<?php",
	}, nil, func(c buildpack.Cmd) error {
		if len(c.Args) > 1 && c.Args[1] == "cache:warmup" {
			return &buildpack.ExitError{Code: 1, Err: errors.New("exit status 1")}
		}
		return nil
	})
	require.NoError(t, b.err)
	assert.Contains(t, b.run.Commands(), []string{"php", "bin/console", "cache:warmup", "--env=prod", "--no-debug"})
	assert.Contains(t, b.out.String(), "Warming up the Symfony cache failed")
	assert.FileExists(t, filepath.Join(b.app, bootBinary))
}
