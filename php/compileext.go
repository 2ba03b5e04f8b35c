package php

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// installExtensions checks that the runtime has every required extension.
// The repository source installs missing ones from its ext/<api>/ packages.
func (c *compiler) installExtensions() error {
	required := c.set.Extensions
	c.ctx.Log.Header("Checking PHP extensions: %s", strings.Join(required, ", "))
	mods, err := c.modules()
	if err != nil {
		return err
	}
	missing := missingExtensions(required, mods)
	if len(missing) > 0 && c.set.RuntimeSource == sourceRepository {
		for _, ext := range missing {
			if err := c.installExtension(ext); err != nil {
				return err
			}
		}
		if mods, err = c.modules(); err != nil {
			return err
		}
		missing = missingExtensions(required, mods)
	}
	if len(missing) > 0 {
		return missingError(missing, mods, c.set.RuntimeSource, c.phpVersion)
	}
	c.mods = mods
	return nil
}

// modules runs `php -m` with the app's configuration.
func (c *compiler) modules() (map[string]bool, error) {
	var out bytes.Buffer
	if err := c.run(c.phpStep(stepInstallExtensions, "php", "-m"), &out); err != nil {
		return nil, fmt.Errorf("listing the PHP extensions: %w", err)
	}
	return parseModules(out.String()), nil
}

// installExtension fetches a prebuilt extension into vendor/php.
func (c *compiler) installExtension(ext string) error {
	api := zendAPI(c.phpVersion)
	url := extensionURL(c.set.PHPBaseURL, c.plan.Stack, api, ext)
	c.ctx.Log.Info("Installing PHP extension %s", ext)
	res, err := c.fetch("PHP extension "+ext, url)
	if err != nil {
		if u, ok := buildpack.AsUserError(err); ok {
			return u.WithHint(fmt.Sprintf("The repository has no %s package for PHP %s; remove ext-%s from the requirements or choose another PHP version.", ext, c.phpVersion, ext))
		}
		return err
	}
	return extractInto(res.Path, filepath.Join(c.ctx.AppDir, "vendor/php"))
}

// missingError names the missing extensions and lists what the runtime has.
func missingError(missing []string, mods map[string]bool, source, version string) error {
	have := make([]string, 0, len(mods))
	for m := range mods {
		have = append(have, m)
	}
	sort.Strings(have)
	hint := "Install them on the host"
	if source == sourceSystem {
		parts := strings.SplitN(version, ".", 3)
		if len(parts) >= 2 {
			hint += fmt.Sprintf(" (on Debian: apt-get install %s)", debPackages(missing, parts[0]+"."+parts[1]))
		}
	} else {
		hint = "Ask for them to be added to the runtime repository"
	}
	return &buildpack.UserError{
		Msg: fmt.Sprintf("The app requires the PHP extension(s) %s, which PHP %s lacks. It has: %s",
			strings.Join(missing, ", "), version, strings.Join(have, ", ")),
		Hint: hint + ", or remove the ext-* requirement."}
}

func debPackages(exts []string, line string) string {
	out := make([]string, 0, len(exts))
	for _, e := range exts {
		out = append(out, "php"+line+"-"+strings.ReplaceAll(e, "_", "-"))
	}
	return strings.Join(out, " ")
}

// extractInto unpacks an archive over dest.
func extractInto(archive, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	return fetch.ExtractTarGz(archive, dest, 0)
}
