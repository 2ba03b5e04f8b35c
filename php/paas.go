package php

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// paasConfig is composer.json's extra.paas object (or its alias extra.heroku).
type paasConfig struct {
	DocumentRoot      *string           `json:"document-root"`
	IndexDocument     string            `json:"index-document"`
	Framework         string            `json:"framework"`
	Engines           map[string]string `json:"engines"`
	PHPConfig         []string          `json:"php-config"`
	PHPIncludes       []string          `json:"php-includes"`
	PHPFPMConfig      []string          `json:"php-fpm-config"`
	PHPFPMIncludes    []string          `json:"php-fpm-includes"`
	NginxIncludes     []string          `json:"nginx-includes"`
	NginxHTTPIncludes []string          `json:"nginx-http-includes"`
	LogFiles          []string          `json:"log-files"`
	Compile           []string          `json:"compile"`
	AccessLogFormat   string            `json:"access-log-format"`
	NewRelic          bool              `json:"new-relic"`
	Datadog           bool              `json:"datadog"`
	Scout             bool              `json:"scout"`

	// key is "paas" or "heroku": where the object was read from.
	key string
}

// knownPaasKeys lists the keys of extra.paas.
func knownPaasKeys() []string {
	return []string{
		"document-root", "index-document", "framework", "engines", "php-config",
		"php-includes", "php-fpm-config", "php-fpm-includes", "nginx-includes",
		"nginx-http-includes", "log-files", "compile", "access-log-format",
		"new-relic", "datadog", "scout",
	}
}

// readPaas decodes extra.paas, or extra.heroku when that one is not empty,
// and checks every path it names. It returns the configuration and the
// warnings about it.
func readPaas(cj *composerJSON) (*paasConfig, []string, error) {
	cfg := &paasConfig{key: "paas"}
	var warnings []string
	raw := cj.Extra["paas"]
	if h := cj.Extra["heroku"]; !emptyJSON(h) {
		raw, cfg.key = h, "heroku"
		warnings = append(warnings, "composer.json uses extra.heroku: it is read as an alias of extra.paas; rename it to extra.paas")
	}
	if emptyJSON(raw) {
		return cfg, warnings, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, nil, buildpack.Userf("composer.json: extra.%s must be an object", cfg.key)
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !contains(knownPaasKeys(), k) {
			warnings = append(warnings, fmt.Sprintf("composer.json: extra.%s.%s is not a setting kiln knows; it is ignored", cfg.key, k))
		}
	}
	if err := json.Unmarshal(raw, cfg); err != nil {
		return nil, nil, paasTypeError(cfg.key, err)
	}
	if err := cfg.checkPaths(); err != nil {
		return nil, nil, err
	}
	return cfg, warnings, nil
}

func paasTypeError(key string, err error) error {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return buildpack.Userf("composer.json: extra.%s.%s must be %s, not %s",
			key, te.Field, jsonKind(te.Type.Kind().String()), te.Value).
			WithHint("See the PHP buildpack's extra.paas settings: lists such as php-config are JSON arrays of strings.")
	}
	return buildpack.Userf("composer.json: extra.%s: %v", key, err)
}

func emptyJSON(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	return s == "" || s == "null" || s == "{}" || s == "[]" || s == `""` || s == "false"
}

// checkPaths rejects paths that leave the app.
func (c *paasConfig) checkPaths() error {
	if c.DocumentRoot != nil {
		if err := boot.CheckAppPath("extra."+c.key+".document-root", *c.DocumentRoot); err != nil {
			return err
		}
	}
	lists := map[string][]string{
		"php-includes": c.PHPIncludes, "php-fpm-includes": c.PHPFPMIncludes,
		"nginx-includes": c.NginxIncludes, "nginx-http-includes": c.NginxHTTPIncludes,
		"log-files": c.LogFiles,
	}
	for _, k := range slices.Sorted(maps.Keys(lists)) {
		for _, p := range lists[k] {
			if err := boot.CheckAppPath("extra."+c.key+"."+k, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedCopy(list []string) []string {
	out := append([]string(nil), list...)
	sort.Strings(out)
	return out
}
