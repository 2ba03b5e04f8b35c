package boot

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
)

// CheckPort is the port of the configuration that the build checks: the
// real one is only known at boot.
const CheckPort = 8080

// CheckOptions configure Check.
type CheckOptions struct {
	// AppDir is the slug's root, with boot.json written.
	AppDir string
	// Env stands for the runtime environment: the build's, whose PORT, when
	// unset, is CheckPort.
	Env buildpack.Env
	// Runner runs `nginx -t` and `php-fpm -t`.
	Runner buildpack.Runner
	// CgroupRoot is where the memory limit is read; "" means /sys/fs/cgroup.
	CgroupRoot string
}

// Check renders the configuration the boot command would render, in a
// scratch directory, and has nginx and PHP-FPM test it (`nginx -t`,
// `php-fpm -t`). A refusal is a *buildpack.UserError naming the file and
// line and the part of the app's configuration it comes from. Check returns
// the notes of the rendering (what people should know it chose).
func Check(ctx context.Context, o CheckOptions) ([]string, error) {
	env := o.Env
	if strings.TrimSpace(env.Get("PORT")) == "" {
		env = env.With("PORT", strconv.Itoa(CheckPort))
	}
	run, err := os.MkdirTemp("", "kiln-php-check-")
	if err != nil {
		return nil, fmt.Errorf("creating the check directory: %w", err)
	}
	defer os.RemoveAll(run)
	opts := Options{AppDir: o.AppDir, Env: env, RunDir: run, CgroupRoot: o.CgroupRoot}
	opts.defaults()
	rt, err := prepareBoot(opts)
	if err != nil {
		return nil, err
	}
	if err := rt.check(ctx, o.Runner); err != nil {
		return nil, err
	}
	return rt.notes, nil
}

// check runs `php-fpm -t` and `nginx -t` on the rendered configuration.
func (rt *bootRuntime) check(ctx context.Context, runner buildpack.Runner) error {
	for _, name := range []string{"php-fpm", "nginx"} {
		out, err := rt.test(ctx, runner, name)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ue := rt.explain(name, out); ue != nil {
			return ue
		}
		return buildpack.Userf("%s refused the configuration kiln rendered for this app (%v):\n%s", name, err, strings.TrimSpace(out))
	}
	return nil
}

// test runs a server's configuration test ("php-fpm" or "nginx") and
// returns its output.
func (rt *bootRuntime) test(ctx context.Context, runner buildpack.Runner, name string) (string, error) {
	cmd := rt.nginx
	args := []string{"-t"}
	if name == "php-fpm" {
		cmd = rt.fpm
		if len(rt.bc.APM) > 0 {
			// Loading the agents must not start their daemons for a test.
			args = append([]string{"-d", "newrelic.enabled=0", "-d", "datadog.trace.enabled=0"}, args...)
		}
	}
	var out bytes.Buffer
	cmd.Args = append(append([]string(nil), cmd.Args...), args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := runner.Run(ctx, cmd)
	return out.String(), err
}

// explain turns a server's refusal of the configuration into a message
// naming the source, nil when its output says nothing kiln recognises.
func (rt *bootRuntime) explain(name, out string) *buildpack.UserError {
	if name == "php-fpm" {
		return rt.explainFPM(out)
	}
	return rt.explainNginx(out)
}

// diagnose explains why a server died: its configuration test, run once it
// has, names the part of the configuration it refuses. It returns nil when
// the test passes or says nothing kiln recognises.
func (rt *bootRuntime) diagnose(name string) *buildpack.UserError {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := rt.test(ctx, rt.opts.Runner, name)
	if err == nil {
		return nil
	}
	return rt.explain(name, out)
}

var (
	nginxErrRE = regexp.MustCompile(`nginx: \[(?:emerg|alert|crit|error)\] (.*?)(?: in (\S+):(\d+))?\s*$`)
	fpmErrRE   = regexp.MustCompile(`(?:ERROR|ALERT): (?:pid \d+, [^:]*: )?(?:\[(\S+):(\d+)\] )?(.*)$`)
	fpmIncRE   = regexp.MustCompile(`^50-(\d+)-(.*)$`)
)

// explainNginx turns nginx's refusal into a message naming the source.
func (rt *bootRuntime) explainNginx(out string) *buildpack.UserError {
	for _, l := range strings.Split(out, "\n") {
		m := nginxErrRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		msg, file, line := m[1], m[2], m[3]
		where, hint := rt.sourceOf(file, line)
		return buildpack.Userf("nginx refuses the configuration: %s%s", msg, where).WithHint(hint)
	}
	return nil
}

// explainFPM turns PHP-FPM's refusal into a message naming the source.
func (rt *bootRuntime) explainFPM(out string) *buildpack.UserError {
	for _, l := range strings.Split(out, "\n") {
		m := fpmErrRE.FindStringSubmatch(l)
		if m == nil || strings.HasPrefix(m[3], "Unable to include") {
			continue
		}
		file, line, msg := m[1], m[2], m[3]
		where, hint := rt.sourceOf(file, line)
		return buildpack.Userf("PHP-FPM refuses the configuration: %s%s", msg, where).WithHint(hint)
	}
	return nil
}

// sourceOf says where a file and line of the rendered configuration come
// from: one of the app's include files, an extra.paas list, or kiln's own
// file with the settings that fill it in.
func (rt *bootRuntime) sourceOf(file, line string) (string, string) {
	if file == "" {
		return "", "Check the app's nginx and PHP-FPM settings in composer.json extra.paas and the runtime environment."
	}
	app := rt.opts.AppDir
	n, _ := strconv.Atoi(line)
	text := strings.TrimSpace(lineOf(file, n))
	shown := ""
	if text != "" {
		shown = fmt.Sprintf(": %q", text)
	}
	rel, err := filepath.Rel(app, file)
	if err == nil && !strings.HasPrefix(rel, "..") {
		rel = filepath.ToSlash(rel)
		base := filepath.Base(rel)
		switch {
		case filepath.Dir(rel) == FPMIncludeDir && base == FPMConfigName:
			return fmt.Sprintf("\n  in composer.json extra.paas.php-fpm-config (line %s of the PHP-FPM file kiln writes from it%s)", line, shown),
				"Correct or remove that directive: global directives (log_level, emergency_restart_threshold, ...) and pool directives (pm.*, php_value[...], ...) are both accepted."
		case filepath.Dir(rel) == FPMIncludeDir:
			name := base
			if m := fpmIncRE.FindStringSubmatch(base); m != nil {
				name = m[2]
			}
			return fmt.Sprintf("\n  in %s, line %s%s, an extra.paas.php-fpm-includes file", name, line, shown),
				"Correct that file of the app; it is included inside kiln's PHP-FPM pool."
		case contains(rt.set.nginxIncludes, rel):
			return fmt.Sprintf("\n  in %s, line %s%s (extra.paas.nginx-includes or NGINX_INCLUDES: included inside the server block)", rel, line, shown),
				"Correct that file of the app; it holds server-level directives such as location blocks."
		case contains(rt.set.nginxHTTPIncludes, rel):
			return fmt.Sprintf("\n  in %s, line %s%s (extra.paas.nginx-http-includes or NGINX_HTTP_INCLUDES: included at the http level)", rel, line, shown),
				"Correct that file of the app; it holds http-level directives such as limit_req_zone or map."
		}
		return fmt.Sprintf("\n  in %s, line %s%s", rel, line, shown), "Correct that file of the app."
	}
	return fmt.Sprintf("\n  in kiln's %s, line %s%s", filepath.Base(file), line, shown),
		"That line is filled in from the app's settings (document-root, index-document, access-log-format in composer.json extra.paas, or DOCUMENT_ROOT, INDEX_DOCUMENT, ACCESS_LOG_FORMAT): correct the one it shows."
}

// lineOf returns line n (from 1) of a file, "" when there is none.
func lineOf(file string, n int) string {
	data, err := os.ReadFile(file)
	if err != nil || n < 1 {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	if n > len(lines) {
		return ""
	}
	return lines[n-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if CleanRel(x) == s {
			return true
		}
	}
	return false
}
