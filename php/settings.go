package php

import (
	"strings"

	"github.com/kiln-dev/kiln/php/boot"
)

// Setting keys of the plan. Lists are joined with spaces (paths are checked
// to hold none) and configuration lines with newlines.
const (
	setFramework       = "framework"
	setDocumentRoot    = "document_root"
	setIndexDocument   = "index_document"
	setRuntimeSource   = "runtime_source"
	setPHPBaseURL      = "php_base_url"
	setNginxBaseURL    = "nginx_base_url"
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
	setAppEnv          = "app_env"
	setAPM             = "apm"
	setDepCache        = "dependency_cache"
	setDepKeyAlways    = "dependency_key_always"
	setDepKeyComposer  = "dependency_key_composer_json"
	setDepKeyEnv       = "dependency_key_env"
	setDepKeyPaths     = "dependency_key_path_repositories"
)

// Runtime sources, recorded in boot.json for the boot command.
const (
	sourceRepository = boot.SourceRepository
	sourceSystem     = boot.SourceSystem
)

// splitList undoes the space-joined form of a list setting.
func splitList(s string) []string { return strings.Fields(s) }

// splitLines undoes the newline-joined form of a configuration setting.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
