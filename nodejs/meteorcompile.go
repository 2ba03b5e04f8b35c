package nodejs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// meteorBootstrap installs the Meteor tool into .meteor-install, from the
// runtime store or by downloading the planned bootstrap archive, verified
// against the planned METEOR_BOOTSTRAP_SHA256. A stored tool is used only
// when it came from an archive with that checksum.
func (c *compiler) meteorBootstrap(buildpack.Step) error {
	release := c.set.MeteorRelease
	want := c.set.MeteorSHA256
	c.log.Header("Meteor app detected: version %s", release)
	if want == "" {
		return fmt.Errorf("step %s: the plan has no checksum for the Meteor bootstrap archive", stepMeteorInstall)
	}
	home := filepath.Join(c.ctx.AppDir, ".meteor-install")
	t := c.tool("meteor", release)
	usable := func(info runtimeInfo) bool { return info.Checksum == "sha256:"+want }
	if info, ok := t.find(); ok && usable(info) && t.shared {
		c.log.Info("Using the Meteor tool from the runtime store")
		c.ctx.Report.CacheHit("meteor " + release)
		return t.place(home)
	}
	// Without a shared store the archive, kept in CACHE_DIR by its
	// checksum, is unpacked again without a download.
	c.ctx.Report.CacheMiss("meteor " + release)
	url := c.set.MeteorURL
	c.log.Info("Downloading %s", url)
	_, fetchErr, err := t.install(home, usable, func(tree string) (runtimeInfo, error) {
		err := os.MkdirAll(tree, 0o755)
		if err == nil {
			err = c.fetchMeteor(c.ctx.Context(), url, want, tree)
		}
		if err == nil && !fileExists(tree, ".meteor/meteor") {
			err = fmt.Errorf("the archive holds no .meteor/meteor launcher")
		}
		if err == nil {
			c.log.Info("Verified the archive against METEOR_BOOTSTRAP_SHA256")
		}
		return runtimeInfo{Name: "meteor", Version: release, Checksum: "sha256:" + want, Source: url}, err
	})
	if fetchErr != nil {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("Unable to install Meteor %s: %v", release, fetchErr),
			Hint: "Check .meteor/release, METEOR_BOOTSTRAP_URL and METEOR_BOOTSTRAP_SHA256.",
		}
	}
	if err != nil {
		return err
	}
	return t.place(home)
}

// fetchMeteor downloads the bootstrap archive, verifies it against want
// (hexadecimal SHA-256) and extracts it into dir.
func (c *compiler) fetchMeteor(ctx context.Context, url, want, dir string) error {
	sum, err := fetch.Hex("sha256", want)
	if err != nil {
		return err
	}
	res, err := c.fetcher().Get(ctx, url, sum)
	if err != nil {
		return err
	}
	return fetch.ExtractTarGz(res.Path, dir, 0)
}

// meteorStart writes the start script and, when the app has Meteor
// settings, a profile script exporting them.
func (c *compiler) meteorStart(buildpack.Step) error {
	script := "#!/bin/sh\n# Written by kiln: starts the Meteor server bundle.\ncd \"$HOME/.app-build/bundle\" || exit 1\nexec node $NODE_BOOT_FLAGS main.js\n"
	if err := os.WriteFile(filepath.Join(c.ctx.AppDir, ".start-meteor-app"), []byte(script), 0o755); err != nil {
		return fmt.Errorf("writing .start-meteor-app: %w", err)
	}
	name := c.set.MeteorSettingsFile
	if name == "" {
		return nil
	}
	body := fmt.Sprintf("# Written by kiln: Meteor settings.\nexport METEOR_SETTINGS=\"${METEOR_SETTINGS:-$(cat \"$HOME/%s\")}\"\n", strings.ReplaceAll(name, `"`, ""))
	return c.writeProfileScript("meteor-settings.sh", body)
}

// meteorCleanup removes what only the Meteor build needed: the Meteor tool,
// its local build state and the app's node_modules (the server bundle has
// its own).
func (c *compiler) meteorCleanup(buildpack.Step) error {
	for _, p := range []string{".meteor-install", ".meteor/local", "node_modules"} {
		if err := os.RemoveAll(filepath.Join(c.ctx.AppDir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", p, err)
		}
	}
	return nil
}
