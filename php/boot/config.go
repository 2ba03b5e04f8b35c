package boot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Config is what the build leaves in boot.json (ConfigPath) for the boot
// command: the build's decisions, which the runtime environment may
// override.
type Config struct {
	// RuntimeSource is SourceRepository or SourceSystem.
	RuntimeSource string `json:"runtime_source"`
	// PHPFPM and Nginx are the programs to start: relative to the slug for
	// the repository source, absolute for the host's.
	PHPFPM string `json:"php_fpm"`
	Nginx  string `json:"nginx"`
	// Framework is the plan's framework key, for people reading the file.
	Framework string `json:"framework"`
	// Site is how nginx routes the framework's requests.
	Site              Site     `json:"site"`
	DocumentRoot      string   `json:"document_root"`
	IndexDocument     string   `json:"index_document"`
	NginxIncludes     []string `json:"nginx_includes"`
	NginxHTTPIncludes []string `json:"nginx_http_includes"`
	AccessLogFormat   string   `json:"access_log_format"`
	LogFiles          []string `json:"log_files"`
	APM               []string `json:"apm"`
}

// Site is a framework's nginx rules: a site template and its parameters.
type Site struct {
	// Name is the framework's name, written in the rules' comments.
	Name string `json:"name"`
	// Template names templates/sites/<Template>.conf.tmpl; "" means
	// "default", the rules of an app without a framework.
	Template string `json:"template"`
	// FrontController is the script that handles every route; "" means the
	// index document.
	FrontController string `json:"front_controller,omitempty"`
	// OnlyFrontController makes every other .php file answer 404.
	OnlyFrontController bool `json:"only_front_controller,omitempty"`
	// Private are regular expressions of the paths (from the document root,
	// without the leading slash) of directories nginx never serves.
	Private []string `json:"private,omitempty"`
}

// ReadConfig loads boot.json from a slug.
func ReadConfig(appDir string) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(appDir, ConfigPath))
	if err != nil {
		return nil, fmt.Errorf("reading the build's boot settings (is %s a PHP slug built by kiln?): %w", appDir, err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", ConfigPath, err)
	}
	return &c, nil
}

// Marshal returns the content of boot.json for c.
func (c *Config) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding boot settings: %w", err)
	}
	return append(data, '\n'), nil
}
