package php

import (
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// settings are the PHP buildpack's decisions: what the planner settles and
// the compiler carries out. Code works with this struct; the plan carries
// it as its stable `settings` object of strings (encode), which the
// compiler reads back once (decodeSettings). Lists are joined with spaces
// (paths are checked to hold none), configuration lines with newlines;
// booleans become the sentence that says them to people.
type settings struct {
	// Framework is the framework's key (frameworkByKey), "default" for none.
	Framework string
	// DocumentRoot is the app-relative document root, "" for the app root.
	DocumentRoot string
	// IndexDocument is the script unknown paths are sent to.
	IndexDocument string
	// RuntimeSource is sourceRepository or sourceSystem.
	RuntimeSource string
	// AppEnv is APP_ENV, "prod" unless set.
	AppEnv string
	// PHPBaseURL and NginxBaseURL are the runtime repository's base URLs
	// (repository source only).
	PHPBaseURL, NginxBaseURL string
	// ExtraVersions is KILN_EXTRA_VERSIONS: the versions offered beyond
	// the stack's tables.
	ExtraVersions string
	// Unsigned records KILN_RUNTIME_UNSIGNED=true: the repository's
	// checksums come from the .sha256 next to each file.
	Unsigned bool
	// KeysFrom says, for people, which public keys the signed
	// repository's manifests are checked against (runtimeKeys); "" when
	// the build downloads nothing from the repository, or unsigned.
	KeysFrom string
	// PHPCheck says, for people, what the host's PHP must satisfy (system
	// source only).
	PHPCheck string
	// Extensions are the PHP extensions the app requires.
	Extensions []string
	// PHPConfig and PHPFPMConfig are extra.paas's php.ini and PHP-FPM
	// pool lines.
	PHPConfig, PHPFPMConfig []string
	// PHPIncludes, PHPFPMIncludes, NginxIncludes and NginxHTTPIncludes are
	// the app's configuration files, cleaned app-relative paths.
	PHPIncludes, PHPFPMIncludes, NginxIncludes, NginxHTTPIncludes []string
	// LogFiles are the app's log files the web process follows.
	LogFiles []string
	// AccessLogFormat is nginx's access log format, "" for the default.
	AccessLogFormat string
	// ProcfileShim is the app-relative script of the Procfile's web line
	// (a reference platform's boot script) that starts kiln's web process;
	// "" when the Procfile runs no such script.
	ProcfileShim string
	// APM are the keys of the APM agents to install (apmAgent.Key).
	APM []string
	// APMURLs maps an agent's extension name (apmAgent.Ext) to its
	// archive's URL.
	APMURLs map[string]string
	// DatadogOff records that DATADOG_TRACER_VERSION=0 switched the
	// Datadog tracer, and so ASM, off.
	DatadogOff bool
	// VendorCache is whether composer-install may restore vendor/ from an
	// earlier build (planVendorCache).
	VendorCache bool
	// VendorCacheOff says why it may not; "" when it may, or when the app
	// does not use Composer.
	VendorCacheOff string
	// DepKeyAlways, DepKeyComposer, DepKeyEnv and DepKeyPaths are the
	// inputs of the dependency key: those every key has, the composer.json
	// sections, the environment variables and the path repositories.
	DepKeyAlways, DepKeyComposer, DepKeyEnv, DepKeyPaths []string
}

// Setting keys of the plan.
const (
	setFramework       = "framework"
	setDocumentRoot    = "document_root"
	setIndexDocument   = "index_document"
	setRuntimeSource   = "runtime_source"
	setPHPBaseURL      = "php_base_url"
	setNginxBaseURL    = "nginx_base_url"
	setChecksums       = "runtime_checksums"
	setExtraVersions   = "extra_versions"
	setPHPCheck        = "php_check"
	setExtensions      = "extensions"
	setPHPConfig       = "php_config"
	setPHPIncludes     = "php_includes"
	setPHPFPMConfig    = "php_fpm_config"
	setPHPFPMIncludes  = "php_fpm_includes"
	setNginxIncludes   = "nginx_includes"
	setNginxHTTPInc    = "nginx_http_includes"
	setLogFiles        = "log_files"
	setAccessLogFormat = "access_log_format"
	setProcfileShim    = "procfile_boot_script"
	setAppEnv          = "app_env"
	setAPM             = "apm"
	setDatadogOff      = "apm_datadog"
	setDepCache        = "dependency_cache"
	setDepKeyAlways    = "dependency_key_always"
	setDepKeyComposer  = "dependency_key_composer_json"
	setDepKeyEnv       = "dependency_key_env"
	setDepKeyPaths     = "dependency_key_path_repositories"
)

// The sentences of the boolean settings.
const (
	datadogOffText = "off: DATADOG_TRACER_VERSION=0 (no tracer, so no APM and no ASM)"
	vendorCacheOn  = "restore vendor/ when the dependency key matches the saved one, " +
		"then run " + stepComposerInstall + " over it (it installs nothing, regenerates the autoloader, runs the scripts); " +
		"else run " + stepComposerInstall + " and save vendor/ right after it"
	vendorCacheOffPrefix = "off: "
)

// apmURLKey is the key of an agent's archive URL: apm_<ext>_url.
func apmURLKey(ext string) string { return "apm_" + ext + "_url" }

// Runtime sources, recorded in boot.json for the boot command.
const (
	sourceRepository = boot.SourceRepository
	sourceSystem     = boot.SourceSystem
)

// fields lists the settings that are one key each, pointing into s.
func (s *settings) fields() []buildpack.Setting {
	return []buildpack.Setting{
		buildpack.TextSetting(setFramework, true, &s.Framework),
		buildpack.TextSetting(setDocumentRoot, true, &s.DocumentRoot),
		buildpack.TextSetting(setIndexDocument, true, &s.IndexDocument),
		{Key: setRuntimeSource, Always: true, Encode: func() string { return s.RuntimeSource },
			Decode: func(v string) error {
				if v != sourceRepository && v != sourceSystem {
					return fmt.Errorf("%q is not a runtime source", v)
				}
				s.RuntimeSource = v
				return nil
			}},
		buildpack.TextSetting(setAppEnv, true, &s.AppEnv),
		buildpack.TextSetting(setPHPBaseURL, false, &s.PHPBaseURL),
		buildpack.TextSetting(setNginxBaseURL, false, &s.NginxBaseURL),
		{Key: setChecksums, Encode: s.encodeChecksums, Decode: s.decodeChecksums},
		buildpack.TextSetting(setExtraVersions, false, &s.ExtraVersions),
		buildpack.TextSetting(setPHPCheck, false, &s.PHPCheck),
		buildpack.ListSetting(setExtensions, &s.Extensions),
		buildpack.LinesSetting(setPHPConfig, &s.PHPConfig),
		buildpack.ListSetting(setPHPIncludes, &s.PHPIncludes),
		buildpack.LinesSetting(setPHPFPMConfig, &s.PHPFPMConfig),
		buildpack.ListSetting(setPHPFPMIncludes, &s.PHPFPMIncludes),
		buildpack.ListSetting(setNginxIncludes, &s.NginxIncludes),
		buildpack.ListSetting(setNginxHTTPInc, &s.NginxHTTPIncludes),
		buildpack.ListSetting(setLogFiles, &s.LogFiles),
		buildpack.TextSetting(setAccessLogFormat, false, &s.AccessLogFormat),
		buildpack.TextSetting(setProcfileShim, false, &s.ProcfileShim),
		buildpack.ListSetting(setAPM, &s.APM),
		buildpack.SentenceSetting(setDatadogOff, &s.DatadogOff, func() string { return datadogOffText }),
		{Key: setDepCache, Encode: s.encodeVendorCache, Decode: s.decodeVendorCache},
		buildpack.ListSetting(setDepKeyAlways, &s.DepKeyAlways),
		buildpack.ListSetting(setDepKeyComposer, &s.DepKeyComposer),
		buildpack.ListSetting(setDepKeyEnv, &s.DepKeyEnv),
		buildpack.ListSetting(setDepKeyPaths, &s.DepKeyPaths),
	}
}

// encode writes the settings as the plan's settings object.
func (s *settings) encode() map[string]string {
	out := buildpack.EncodeSettings(s.fields())
	for ext, url := range s.APMURLs {
		if url != "" {
			out[apmURLKey(ext)] = url
		}
	}
	return out
}

// decodeSettings reads the plan's settings object back. The planner wrote
// it, so a key it does not know or a value it cannot have is a bug, named
// by its key.
func decodeSettings(m map[string]string) (settings, error) {
	var s settings
	agents := map[string]bool{}
	for _, a := range apmAgents() {
		agents[apmURLKey(a.Ext)] = true
	}
	err := buildpack.DecodeSettings(s.fields(), m, func(key, v string) (bool, error) {
		if !agents[key] {
			return false, nil
		}
		if s.APMURLs == nil {
			s.APMURLs = map[string]string{}
		}
		s.APMURLs[strings.TrimSuffix(strings.TrimPrefix(key, "apm_"), "_url")] = v
		return true, nil
	})
	if err != nil {
		return settings{}, err
	}
	return s, nil
}

// encodeVendorCache says what composer-install does with vendor/.
func (s *settings) encodeVendorCache() string {
	switch {
	case s.VendorCache:
		return vendorCacheOn
	case s.VendorCacheOff != "":
		return vendorCacheOffPrefix + s.VendorCacheOff
	}
	return ""
}

func (s *settings) decodeVendorCache(v string) error {
	switch {
	case v == vendorCacheOn:
		s.VendorCache = true
	case strings.HasPrefix(v, vendorCacheOffPrefix) && v != vendorCacheOffPrefix:
		s.VendorCacheOff = strings.TrimPrefix(v, vendorCacheOffPrefix)
	case v != "":
		return fmt.Errorf("%q says neither %q nor %q", v, vendorCacheOn, vendorCacheOffPrefix+"<reason>")
	}
	return nil
}
