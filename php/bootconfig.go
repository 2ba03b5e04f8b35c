package php

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// bootConfig is what compile leaves in .kiln/php/boot.json for the boot
// command: the build's decisions, which the runtime environment may
// override.
type bootConfig struct {
	// RuntimeSource is "repository" or "system".
	RuntimeSource string `json:"runtime_source"`
	// PHPFPM and Nginx are the programs to start: relative to the slug for
	// the repository source, absolute for the host's.
	PHPFPM string `json:"php_fpm"`
	Nginx  string `json:"nginx"`
	// Framework is a framework key (see frameworks).
	Framework         string   `json:"framework"`
	DocumentRoot      string   `json:"document_root"`
	IndexDocument     string   `json:"index_document"`
	NginxIncludes     []string `json:"nginx_includes"`
	NginxHTTPIncludes []string `json:"nginx_http_includes"`
	AccessLogFormat   string   `json:"access_log_format"`
	LogFiles          []string `json:"log_files"`
	APM               []string `json:"apm"`
}

// readBootConfig loads boot.json from a slug.
func readBootConfig(appDir string) (*bootConfig, error) {
	data, err := os.ReadFile(filepath.Join(appDir, bootJSONPath))
	if err != nil {
		return nil, fmt.Errorf("reading the build's boot settings (is %s a PHP slug built by kiln?): %w", appDir, err)
	}
	var bc bootConfig
	if err := json.Unmarshal(data, &bc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", bootJSONPath, err)
	}
	return &bc, nil
}

// writeBootConfig stores bc in the slug.
func writeBootConfig(appDir string, bc *bootConfig) error {
	data, err := json.MarshalIndent(bc, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding boot settings: %w", err)
	}
	return writeFileAtomic(filepath.Join(appDir, bootJSONPath), append(data, '\n'), 0o644)
}
