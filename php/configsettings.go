package php

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// apmAgent is an APM extension that extra.paas can switch on.
type apmAgent struct {
	// Key is the extra.paas key, e.g. "new-relic" ("datadog-appsec" is
	// switched on by extra.paas.datadog with DATADOG_APPSEC_VERSION).
	Key string
	// Name is shown in output.
	Name string
	// Ext is the extension's name: the repository archive is
	// php-<Ext>.tgz, or php-<Ext>-<version>.tgz for a version.
	Ext string
	// URLVar overrides the archive's URL.
	URLVar string
	// VersionVar chooses the version ("latest" or a version); empty when
	// the agent has none.
	VersionVar string
	// DefaultVersion applies when VersionVar is unset; "0" means the agent
	// is not installed.
	DefaultVersion string
	// Zend is true for a zend_extension.
	Zend bool
	// Ini is added to the agent's ini file.
	Ini string
	// IniOrder prefixes the ini file's name: agents that need another
	// agent load after it.
	IniOrder string
}

func apmAgents() []apmAgent {
	return []apmAgent{
		{Key: "new-relic", Name: "New Relic", Ext: "newrelic", URLVar: "KILN_NEWRELIC_URL", IniOrder: "90",
			Ini: "newrelic.license = \"${NEW_RELIC_LICENSE_KEY}\"\nnewrelic.appname = \"${NEW_RELIC_APP_NAME}\"\n"},
		{Key: "datadog", Name: "Datadog", Ext: "ddtrace", URLVar: "KILN_DATADOG_URL", IniOrder: "90",
			VersionVar: "DATADOG_TRACER_VERSION", DefaultVersion: "latest"},
		{Key: "datadog-appsec", Name: "Datadog ASM", Ext: "ddappsec", URLVar: "KILN_DATADOG_APPSEC_URL", IniOrder: "91",
			VersionVar: "DATADOG_APPSEC_VERSION", DefaultVersion: "0", Ini: "datadog.appsec.enabled = On\n"},
		{Key: "scout", Name: "Scout APM", Ext: "scoutapm", URLVar: "KILN_SCOUT_URL", Zend: true, IniOrder: "90",
			VersionVar: "SCOUT_APM_VERSION", DefaultVersion: "latest"},
	}
}

// configSettings records the PHP, PHP-FPM and nginx configuration.
func (pl *planner) configSettings() error {
	c := pl.paas
	s := &pl.set
	for _, lines := range [][]string{c.PHPConfig, c.PHPFPMConfig} {
		for _, l := range lines {
			if strings.ContainsAny(l, "\n\r") {
				return buildpack.Userf("composer.json: extra.%s: configuration line %q spans several lines", c.key, l).
					WithHint("Give one directive per array element.")
			}
		}
	}
	s.PHPConfig = c.PHPConfig
	s.PHPFPMConfig = c.PHPFPMConfig
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
	s.PHPIncludes = cleanPaths(c.PHPIncludes)
	s.PHPFPMIncludes = cleanPaths(c.PHPFPMIncludes)
	s.NginxIncludes = cleanPaths(c.NginxIncludes)
	s.NginxHTTPIncludes = cleanPaths(c.NginxHTTPIncludes)
	for _, f := range append(append([]string(nil), c.NginxIncludes...), c.NginxHTTPIncludes...) {
		if !fileExists(pl.ctx.AppDir, f) {
			pl.p.Warn(fmt.Sprintf("The nginx include %s is not in the app yet; it must exist when the app starts.", f))
		}
	}
	s.LogFiles = cleanPaths(dedupe(append(append([]string(nil), pl.fw.LogFiles...), c.LogFiles...)))
	if strings.ContainsAny(c.AccessLogFormat, "\n\r") {
		return buildpack.Userf("composer.json: extra.%s.access-log-format must fit on one line", c.key)
	}
	s.AccessLogFormat = c.AccessLogFormat
	s.AppEnv = pl.env.Default("APP_ENV", "prod")
	if pl.composerApp() {
		s.Extensions = requiredExtensions(pl.proj, pl.env.Bool("COMPOSER_DEV"))
	}
	return pl.apmSettings()
}

// apmSettings records the agents to install and where they come from.
// extra.paas switches an agent on; its version variable (DATADOG_TRACER_VERSION,
// DATADOG_APPSEC_VERSION, SCOUT_APM_VERSION) then says which build of it:
// "latest" (php-<ext>.tgz), a version (php-<ext>-<version>.tgz), or "0"
// for none. The Datadog tracer defaults to latest and ASM to 0, as the
// platform documents; ASM runs inside the tracer, so without the tracer
// there is no ASM either.
func (pl *planner) apmSettings() error {
	on := map[string]bool{"new-relic": pl.paas.NewRelic, "datadog": pl.paas.Datadog,
		"datadog-appsec": pl.paas.Datadog, "scout": pl.paas.Scout}
	var keys []string
	for _, a := range apmAgents() {
		if !on[a.Key] {
			continue
		}
		version, err := pl.apmVersion(a)
		if err != nil {
			return err
		}
		if version == "0" {
			if a.Key == "datadog" {
				on["datadog-appsec"] = false
				pl.set.DatadogOff = true
				if v := pl.env.Get("DATADOG_APPSEC_VERSION"); v != "" && v != "0" {
					pl.p.Warn("DATADOG_APPSEC_VERSION=" + v + " has no effect: DATADOG_TRACER_VERSION=0 turns the Datadog tracer off, and ASM needs it.")
				}
			}
			continue
		}
		keys = append(keys, a.Key)
		url, overridden, err := pl.apmURL(a, version)
		if err != nil && !pl.ctx.ForRelease {
			return err
		}
		if pl.set.APMURLs == nil {
			pl.set.APMURLs = map[string]string{}
		}
		pl.set.APMURLs[a.Ext] = url
		if overridden && a.VersionVar != "" && pl.env.Get(a.VersionVar) != "" {
			pl.p.Warn(fmt.Sprintf("%s is set, so %s=%s is not used to choose the %s archive.", a.URLVar, a.VersionVar, pl.env.Get(a.VersionVar), a.Name))
		}
	}
	pl.set.APM = keys
	if pl.paas.NewRelic && pl.env.Get("NEW_RELIC_LICENSE_KEY") == "" {
		pl.p.Warn("New Relic is enabled but NEW_RELIC_LICENSE_KEY is not set: the agent reports nothing until it is.")
	}
	return nil
}

// apmVersion reads an agent's version variable: "0", "latest" or a version.
func (pl *planner) apmVersion(a apmAgent) (string, error) {
	if a.VersionVar == "" {
		return "latest", nil
	}
	v := strings.TrimSpace(pl.env.Get(a.VersionVar))
	switch {
	case v == "":
		return a.DefaultVersion, nil
	case v == "0" || strings.EqualFold(v, "latest"):
		return strings.ToLower(v), nil
	case apmVersionRE.MatchString(v):
		return strings.TrimPrefix(v, "v"), nil
	}
	return "", buildpack.Userf("%s=%q is not a version of the %s extension", a.VersionVar, v, a.Name).
		WithHint(fmt.Sprintf(`Set %s to "latest", to a version such as 1.2.3, or to 0 for none.`, a.VersionVar))
}

// apmVersionRE accepts release versions (1.10.0, 1.0.0-beta1): nothing that
// could change the URL's path.
var apmVersionRE = regexp.MustCompile(`^v?\d+(\.\d+){0,3}([-+][0-9A-Za-z.]+)?$`)

// apmURL is the agent's archive: the override, or the repository's
// prebuilt extension for the PHP line (for the host's PHP, its module API
// is filled in at compile time), php-<ext>.tgz for latest and
// php-<ext>-<version>.tgz for a version. overridden reports an override.
func (pl *planner) apmURL(a apmAgent, version string) (string, bool, error) {
	if u := pl.env.Get(a.URLVar); u != "" {
		return u, true, nil
	}
	if pl.set.PHPBaseURL == "" {
		// The system source: the repository provides the agents alone.
		pl.set.PHPBaseURL = strings.TrimRight(pl.env.Get("PHP_BASE_URL"), "/")
	}
	base := pl.set.PHPBaseURL
	if base == "" {
		return "", false, buildpack.Userf("The %s agent comes from the runtime repository, and no repository is configured: PHP_BASE_URL is not set", a.Name).
			WithHint(fmt.Sprintf("Set PHP_BASE_URL and %s to a runtime repository that has it (see docs/runtime-repository.md), or %s to a copy of the agent.", envPublicKey, a.URLVar))
	}
	api := "${PHP_API}"
	if pl.source == sourceRepository {
		api = zendAPI(pl.p.Runtime("php").Version)
	}
	name := a.Ext
	if version != "latest" {
		name += "-" + version
	}
	return extensionURL(base, pl.stack.Name, api, name), false, nil
}

// cleanPaths cleans app-relative paths (boot.CleanRel).
func cleanPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, boot.CleanRel(p))
	}
	return out
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
