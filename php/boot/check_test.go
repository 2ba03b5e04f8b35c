package boot

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// TestCheckExplainsRefusals feeds Check the output of refusing servers and
// checks that the message names the file, the line and its source.
func TestCheckExplainsRefusals(t *testing.T) {
	bc := &Config{Framework: "laravel", Site: Site{Name: "Laravel", Template: "front"}, DocumentRoot: "public", IndexDocument: "index.php",
		PHPFPM: "/bin/php-fpm", Nginx: "/bin/nginx", NginxIncludes: []string{"conf/app.conf"}, APM: []string{"new-relic"}}
	app := fakeSlug(t, bc, map[string]string{"conf/app.conf": "location / {\n  bad;\n}\n",
		FPMIncludeDir + "/" + FPMConfigName: "; extra.paas.php-fpm-config\n[web]\npm.max_chidren=5\n",
		FPMIncludeDir + "/50-01-pool.conf":  "[web]\nphp_value = x\n"})
	for name, tc := range map[string]struct {
		fails, output string
		want          []string
	}{
		"nginx include": {fails: "/bin/nginx", output: "nginx: [emerg] unknown directive \"bad\" in " + app + "/conf/app.conf:2\nnginx: configuration file test failed\n",
			want: []string{`nginx refuses the configuration: unknown directive "bad"`, `in conf/app.conf, line 2: "bad;"`, "extra.paas.nginx-includes"}},
		"kiln's nginx.conf": {fails: "/bin/nginx", output: "nginx: [emerg] invalid number of arguments in \"log_format\" directive in /tmp/x/conf/nginx.conf:27\n",
			want: []string{"in kiln's nginx.conf, line 27", "access-log-format"}},
		"php-fpm-config": {fails: "/bin/php-fpm", output: "[03-Dec-2026 19:39:40] ERROR: [" + app + "/" + FPMIncludeDir + "/" + FPMConfigName + ":3] unknown entry 'pm.max_chidren'\n" +
			"[03-Dec-2026 19:39:40] ERROR: Unable to include x from y at line 2\n",
			want: []string{"PHP-FPM refuses the configuration: unknown entry 'pm.max_chidren'", "extra.paas.php-fpm-config", `"pm.max_chidren=5"`}},
		"php-fpm-includes": {fails: "/bin/php-fpm", output: "ERROR: [" + app + "/" + FPMIncludeDir + "/50-01-pool.conf:2] unknown entry 'php_value'\n",
			want: []string{"in pool.conf, line 2", "extra.paas.php-fpm-includes"}},
		"unrecognised": {fails: "/bin/nginx", output: "something else\n",
			want: []string{"nginx refused the configuration kiln rendered for this app", "something else"}},
	} {
		t.Run(name, func(t *testing.T) {
			run := &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
				if c.Name != tc.fails {
					return nil
				}
				_, _ = c.Stderr.Write([]byte(tc.output))
				return errors.New("exit status 1")
			}}
			_, err := Check(context.Background(), CheckOptions{AppDir: app, Env: buildpack.Env{}, Runner: run})
			require.Error(t, err)
			_, ok := buildpack.AsUserError(err)
			assert.True(t, ok)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			fpm := run.Commands()[0]
			assert.Equal(t, []string{"-d", "newrelic.enabled=0", "-d", "datadog.trace.enabled=0", "-t"}, fpm[len(fpm)-5:],
				"the APM agents' daemons do not start for the test")
		})
	}
}
