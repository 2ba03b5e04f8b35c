package php

import (
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// apmAgent is an APM extension that extra.paas can switch on.
type apmAgent struct {
	// Key is the extra.paas key, e.g. "new-relic".
	Key string
	// Name is shown in output.
	Name string
	// Ext is the extension's name: the repository archive is php-<Ext>.tgz.
	Ext string
	// URLVar overrides the archive's URL.
	URLVar string
	// Zend is true for a zend_extension.
	Zend bool
}

func apmAgents() []apmAgent {
	return []apmAgent{
		{Key: "new-relic", Name: "New Relic", Ext: "newrelic", URLVar: "KILN_NEWRELIC_URL"},
		{Key: "datadog", Name: "Datadog", Ext: "ddtrace", URLVar: "KILN_DATADOG_URL"},
		{Key: "scout", Name: "Scout APM", Ext: "scoutapm", URLVar: "KILN_SCOUT_URL", Zend: true},
	}
}

// configSettings records the PHP, PHP-FPM and nginx configuration.
func (pl *planner) configSettings() error {
	c := pl.paas
	s := pl.p.Settings
	for _, lines := range [][]string{c.PHPConfig, c.PHPFPMConfig} {
		for _, l := range lines {
			if strings.ContainsAny(l, "\n\r") {
				return buildpack.Userf("composer.json: extra.%s: configuration line %q spans several lines", c.key, l).
					WithHint("Give one directive per array element.")
			}
		}
	}
	s[setPHPConfig] = strings.Join(c.PHPConfig, "\n")
	s[setPHPFPMConfig] = strings.Join(c.PHPFPMConfig, "\n")
	for _, inc := range []struct {
		key   string
		files []string
	}{{"php-includes", c.PHPIncludes}, {"php-fpm-includes", c.PHPFPMIncludes}} {
		for _, f := range inc.files {
			if !fileExists(pl.ctx.AppDir, f) {
				return buildpack.Userf("composer.json: extra.%s.%s names %s, which is not a file in the app", c.key, inc.key, f)
			}
		}
	}
	s[setPHPIncludes] = joinPaths(c.PHPIncludes)
	s[setPHPFPMIncludes] = joinPaths(c.PHPFPMIncludes)
	s[setNginxIncludes] = joinPaths(c.NginxIncludes)
	s[setNginxHTTPInc] = joinPaths(c.NginxHTTPIncludes)
	for _, f := range append(append([]string(nil), c.NginxIncludes...), c.NginxHTTPIncludes...) {
		if !fileExists(pl.ctx.AppDir, f) {
			pl.p.Warn(fmt.Sprintf("The nginx include %s is not in the app yet; it must exist when the app starts.", f))
		}
	}
	s[setLogFiles] = joinPaths(dedupe(append(append([]string(nil), pl.fw.LogFiles...), c.LogFiles...)))
	if strings.ContainsAny(c.AccessLogFormat, "\n\r") {
		return buildpack.Userf("composer.json: extra.%s.access-log-format must fit on one line", c.key)
	}
	s[setAccessLogFormat] = c.AccessLogFormat
	s[setAppEnv] = pl.env.Default("APP_ENV", "prod")
	if pl.composerApp() {
		s[setExtensions] = strings.Join(requiredExtensions(pl.proj, pl.env.Bool("COMPOSER_DEV")), " ")
	}
	pl.apmSettings()
	return nil
}

// apmSettings records the agents to install and where they come from.
func (pl *planner) apmSettings() {
	enabled := map[string]bool{"new-relic": pl.paas.NewRelic, "datadog": pl.paas.Datadog, "scout": pl.paas.Scout}
	var keys []string
	for _, a := range apmAgents() {
		if !enabled[a.Key] {
			continue
		}
		keys = append(keys, a.Key)
		pl.p.Settings["apm_"+a.Ext+"_url"] = pl.apmURL(a)
	}
	pl.p.Settings[setAPM] = strings.Join(keys, " ")
	if pl.paas.NewRelic && pl.env.Get("NEW_RELIC_LICENSE_KEY") == "" {
		pl.p.Warn("New Relic is enabled but NEW_RELIC_LICENSE_KEY is not set: the agent reports nothing until it is.")
	}
}

// apmURL is the agent's archive: the override, or the repository's
// prebuilt extension for the PHP line (for the host's PHP, its module API
// is filled in at compile time).
func (pl *planner) apmURL(a apmAgent) string {
	if u := pl.env.Get(a.URLVar); u != "" {
		return u
	}
	base := strings.TrimRight(pl.env.Default("PHP_BASE_URL", DefaultPHPBaseURL), "/")
	api := "${PHP_API}"
	if pl.source == sourceRepository {
		api = zendAPI(pl.p.Runtime("php").Version)
	}
	return extensionURL(base, pl.stack.Name, api, a.Ext)
}

func joinPaths(paths []string) string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, cleanRel(p))
	}
	return strings.Join(out, " ")
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
