package nodejs

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// meteorBootstrap installs the Meteor tool into .meteor-install, from the
// runtime store or by downloading the planned bootstrap archive. With a
// METEOR_BOOTSTRAP_SHA256 the archive is verified against it; without one it
// must at least be a Meteor release (a .meteor/meteor launcher).
func (c *compiler) meteorBootstrap(buildpack.Step) error {
	release := c.plan.Settings[setMeteorRelease]
	c.log.Header("Meteor app detected: version %s", release)
	home := filepath.Join(c.ctx.AppDir, ".meteor-install")
	tree, _, ok := c.store().find("meteor", release)
	if ok {
		c.log.Info("Using the Meteor tool from the cache")
		c.ctx.Report.CacheHit("meteor " + release)
		return placeTree(tree, home)
	}
	c.ctx.Report.CacheMiss("meteor " + release)
	url := c.plan.Settings[setMeteorURL]
	c.log.Info("Downloading %s", url)
	staged, err := c.store().staging()
	if err != nil {
		return err
	}
	sum, err := c.fetchMeteor(c.ctx.Context(), url, c.plan.Settings[setMeteorSHA256], staged)
	if err == nil && !fileExists(staged, ".meteor/meteor") {
		err = fmt.Errorf("the archive holds no .meteor/meteor launcher")
	}
	if err != nil {
		_ = os.RemoveAll(staged)
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("Unable to install Meteor %s: %v", release, err),
			Hint: "Check .meteor/release, METEOR_BOOTSTRAP_URL and METEOR_BOOTSTRAP_SHA256.",
		}
	}
	tree, err = c.store().commit(staged, runtimeInfo{Name: "meteor", Version: release, Checksum: sum, Source: url})
	if err != nil {
		return err
	}
	return placeTree(tree, home)
}

// fetchMeteor downloads and extracts the bootstrap archive into dir and
// returns its checksum ("sha256:<hex>").
func (c *compiler) fetchMeteor(ctx context.Context, url, want, dir string) (string, error) {
	var archive string
	if want != "" {
		sum, err := fetch.Hex("sha256", want)
		if err != nil {
			return "", err
		}
		res, err := c.fetcher().Get(ctx, url, sum)
		if err != nil {
			return "", err
		}
		archive = res.Path
	} else {
		p, err := c.downloadUnpinned(ctx, url)
		if err != nil {
			return "", err
		}
		defer os.Remove(p)
		archive = p
	}
	if err := fetch.ExtractTarGz(archive, dir, 0); err != nil {
		return "", err
	}
	h := sha256.New()
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("sha256:%x", h.Sum(nil)), nil
}

// downloadUnpinned fetches url into a scratch file (for archives with no
// published checksum; the caller validates the content).
func (c *compiler) downloadUnpinned(ctx context.Context, url string) (string, error) {
	start := time.Now()
	c.ctx.Report.Download(url)
	defer func() { c.ctx.Report.Fetching(time.Since(start)) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	client := c.ctx.HTTP
	if client == nil {
		client = fetch.NewClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.CreateTemp(c.tmp, "meteor-*.tar.gz")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return "", fmt.Errorf("reading %s: %w", url, err)
	}
	return f.Name(), nil
}

// meteorStart writes the start script and, when the app has Meteor
// settings, a profile script exporting them.
func (c *compiler) meteorStart(buildpack.Step) error {
	script := "#!/bin/sh\n# Written by kiln: starts the Meteor server bundle.\ncd \"$HOME/.app-build/bundle\" || exit 1\nexec node $NODE_BOOT_FLAGS main.js\n"
	if err := os.WriteFile(filepath.Join(c.ctx.AppDir, ".start-meteor-app"), []byte(script), 0o755); err != nil {
		return fmt.Errorf("writing .start-meteor-app: %w", err)
	}
	name := c.plan.Settings["meteor_settings_file"]
	if name == "" {
		return nil
	}
	body := fmt.Sprintf("# Written by kiln: Meteor settings.\nexport METEOR_SETTINGS=\"${METEOR_SETTINGS:-$(cat \"$HOME/%s\")}\"\n", strings.ReplaceAll(name, `"`, ""))
	return c.writeProfileScript("meteor-settings.sh", body)
}
