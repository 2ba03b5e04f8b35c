package php

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// installAPM installs the APM agents extra.paas switches on. Each archive
// holds <ext>.so (and optionally <ext>.ini with the agent's settings); kiln
// unpacks it into vendor/apm/<ext>/ and loads it from .kiln/php/conf.d. The
// agents are extensions: PHP loads more after the step (changesModules).
func (c *compiler) installAPM() error {
	for _, a := range apmAgents() {
		if !contains(c.set.APM, a.Key) {
			continue
		}
		if err := c.installAgent(a); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) installAgent(a apmAgent) error {
	c.ctx.Log.Header("Installing the %s agent", a.Name)
	url := strings.ReplaceAll(c.set.APMURLs[a.Ext], "${PHP_API}", zendAPI(c.phpVersion))
	res, err := c.fetch(a.Name+" agent", url)
	if err != nil {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("The %s agent could not be installed from %s: %v", a.Name, url, err),
			Hint: apmHint(a)}
	}
	rel := "vendor/apm/" + a.Ext
	dest := filepath.Join(c.ctx.AppDir, rel)
	if err := os.RemoveAll(dest); err != nil {
		return fmt.Errorf("clearing %s: %w", rel, err)
	}
	if err := extractInto(res.Path, dest); err != nil {
		return fmt.Errorf("unpacking the %s agent: %w", a.Name, err)
	}
	if !fileExists(dest, a.Ext+".so") {
		return fmt.Errorf("the %s agent archive %s has no %s.so", a.Name, url, a.Ext)
	}
	directive := "extension"
	if a.Zend {
		directive = "zend_extension"
	}
	ini := fmt.Sprintf("; %s, installed by kiln\n%s = \"${KILN_APP_DIR}/%s/%s.so\"\n", a.Name, directive, rel, a.Ext) + a.Ini
	if extra, err := os.ReadFile(filepath.Join(dest, a.Ext+".ini")); err == nil {
		ini += string(extra)
	}
	path := filepath.Join(c.ctx.AppDir, phpScanDir, a.IniOrder+"-"+a.Ext+".ini")
	return writeFileAtomic(path, []byte(ini), 0o644)
}

// apmHint says how to get past an agent that could not be installed.
func apmHint(a apmAgent) string {
	hint := fmt.Sprintf("Set %s to a reachable copy of the agent", a.URLVar)
	if a.VersionVar != "" {
		hint += fmt.Sprintf(", set %s to a version the repository has", a.VersionVar)
	}
	key := strings.TrimSuffix(a.Key, "-appsec")
	if a.Key == "datadog-appsec" {
		return hint + ", or set DATADOG_APPSEC_VERSION=0."
	}
	return hint + fmt.Sprintf(", or turn off extra.paas.%s.", key)
}
