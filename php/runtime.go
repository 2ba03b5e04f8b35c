package php

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/internal/atomicfile"
	"github.com/kiln-dev/kiln/php/boot"
	"github.com/kiln-dev/kiln/stacks"
)

// installPHP installs PHP from the repository, or finds and checks the
// host's PHP and PHP-FPM.
func (c *compiler) installPHP() error {
	rt := c.plan.Runtime("php")
	if c.set.RuntimeSource == sourceSystem {
		return c.systemPHP(rt)
	}
	c.ctx.Log.Header("Installing PHP %s %s", rt.Version, runtimeDesc(rt))
	url := fmt.Sprintf("%s/%s/php-%s.tgz", c.set.PHPBaseURL, c.plan.Stack, rt.Version)
	if err := c.installRuntime("php", rt.Version, url, "vendor/php"); err != nil {
		return err
	}
	c.phpVersion = rt.Version
	c.phpFPM = "vendor/php/sbin/php-fpm"
	return nil
}

// installNginx installs nginx from the repository, or finds the host's.
func (c *compiler) installNginx() error {
	rt := c.plan.Runtime("nginx")
	if c.set.RuntimeSource == sourceSystem {
		p, err := boot.FindProgram(c.ctx.Env, "nginx")
		if err != nil {
			return c.hostMissing("nginx", "nginx")
		}
		c.ctx.Log.Header("Using the host's nginx (%s)", p)
		c.nginx = p
		return nil
	}
	c.ctx.Log.Header("Installing nginx %s %s", rt.Version, runtimeDesc(rt))
	url := fmt.Sprintf("%s/%s/nginx-%s.tgz", c.set.NginxBaseURL, c.plan.Stack, rt.Version)
	if err := c.installRuntime("nginx", rt.Version, url, "vendor/nginx"); err != nil {
		return err
	}
	c.nginx = "vendor/nginx/sbin/nginx"
	return nil
}

// installComposer installs Composer's phar from the repository, or finds the
// host's composer.
func (c *compiler) installComposer() error {
	rt := c.plan.Runtime("composer")
	if c.set.RuntimeSource == sourceSystem {
		p, err := boot.FindProgram(c.ctx.Env, "composer")
		if err != nil {
			return c.hostMissing("composer", "composer")
		}
		var out bytes.Buffer
		step := buildpack.Step{Name: stepInstallComposer, Command: []string{p, "--version", "--no-interaction", "--no-plugins"}}
		if err := c.run(step, &out); err != nil {
			return fmt.Errorf("asking the host's composer for its version: %w", err)
		}
		c.composerVersion = regexp.MustCompile(`\d+\.\d+\.\d+\S*`).FindString(out.String())
		if c.composerVersion == "" {
			return fmt.Errorf("the host's composer (%s) printed %q as its version", p, strings.TrimSpace(out.String()))
		}
		c.ctx.Log.Header("Using the host's Composer %s (%s)", c.composerVersion, p)
		return nil
	}
	c.composerVersion = rt.Version
	c.ctx.Log.Header("Installing Composer %s %s", rt.Version, runtimeDesc(rt))
	url := fmt.Sprintf("%s/%s/composer-%s.phar", c.set.PHPBaseURL, c.plan.Stack, rt.Version)
	what := "Composer " + rt.Version
	sum, _, err := c.checksum(what, url, true)
	if err != nil {
		return err
	}
	res, err := c.get(what, url, sum, true)
	if err != nil {
		return err
	}
	dest := filepath.Join(c.ctx.AppDir, composerPhar)
	if err := copyFile(res.Path, dest, 0o755); err != nil {
		return fmt.Errorf("installing Composer: %w", err)
	}
	return nil
}

// fetch downloads url after reading its checksum (see checksum), keeping
// the verified file in the download cache.
func (c *compiler) fetch(what, url string) (fetch.Result, error) {
	sum, _, err := c.checksum(what, url, false)
	if err != nil {
		return fetch.Result{}, err
	}
	return c.get(what, url, sum, false)
}

// memo is the remembered checksums of versioned artifacts.
func (c *compiler) memo() checksumMemo {
	return checksumMemo{path: filepath.Join(c.cacheDir(), "php", "checksums.json")}
}

// checksum reads url's checksum: from the signed manifest of its
// repository directory (see trust.go), or, in unsigned mode and for a URL
// outside the repository (an APM agent's KILN_*_URL), from url.sha256.
// With remember (versioned artifacts, see checksumMemo) a checksum
// remembered from an earlier build is used without a request in the
// .sha256 mode; remembered says so. The signed mode always reads the
// manifest (once per build): a remembered checksum may have come from a
// .sha256.
func (c *compiler) checksum(what, url string, remember bool) (sum fetch.Checksum, remembered bool, err error) {
	if dir, ok := c.repositoryDir(url); ok && !c.set.Unsigned {
		sum, err := c.signedChecksum(what, dir, url)
		return sum, false, err
	}
	if remember && c.ctx.CacheDir != "" {
		if sum, ok := c.memo().get(url); ok {
			return sum, true, nil
		}
	}
	start := time.Now()
	text, err := c.fetcher().Text(c.ctx.Context(), url+".sha256", 4096)
	c.ctx.Report.Download(url+".sha256", err)
	c.ctx.Report.Fetching(time.Since(start))
	if err != nil {
		return sum, false, c.unavailable(what, url+".sha256", err)
	}
	fields := strings.Fields(string(text))
	if len(fields) == 0 {
		return sum, false, fmt.Errorf("%s: checksum file %s.sha256 is empty", what, url)
	}
	sum, err = fetch.Hex("sha256", fields[0])
	if err != nil {
		return sum, false, fmt.Errorf("%s: reading %s.sha256: %w", what, url, err)
	}
	return sum, false, nil
}

// fetcher is the build's store of verified downloads.
func (c *compiler) fetcher() *fetch.Fetcher {
	return &fetch.Fetcher{Client: c.ctx.HTTP, Dir: c.runtimes().Downloads(), Progress: c.ctx.Log.Progress()}
}

// get downloads url and verifies it against sum, or takes the verified
// copy from the download cache. With remember, the checksum is remembered
// for url once the artifact matched it.
func (c *compiler) get(what, url string, sum fetch.Checksum, remember bool) (fetch.Result, error) {
	return c.download(what, url, sum, remember, func(ctx context.Context, f *fetch.Fetcher) (fetch.Result, error) {
		return f.Get(ctx, url, sum)
	})
}

// unpack is get extracting the archive into dest as it downloads (see
// fetch.Fetcher.Unpack), or from the verified copy of the download cache.
func (c *compiler) unpack(what, url string, sum fetch.Checksum, dest string) error {
	_, err := c.download(what, url, sum, true, func(ctx context.Context, f *fetch.Fetcher) (fetch.Result, error) {
		return f.Unpack(ctx, url, sum, dest, 0)
	})
	return err
}

// download runs one fetch of url through the download cache, reporting and
// logging it; see get.
func (c *compiler) download(what, url string, sum fetch.Checksum, remember bool, do func(context.Context, *fetch.Fetcher) (fetch.Result, error)) (fetch.Result, error) {
	start := time.Now()
	res, err := do(c.ctx.Context(), c.fetcher())
	if err != nil || !res.Cached {
		took := time.Since(start)
		if res.Transfer > 0 {
			// Unpacking after the last byte arrived is kiln's own work.
			took = res.Transfer
		}
		c.ctx.Report.Download(url, err)
		c.ctx.Report.Fetching(took)
	}
	if err != nil {
		return fetch.Result{}, c.unavailable(what, url, err)
	}
	if res.Cached {
		c.ctx.Log.Info("Using the verified copy of %s from the cache", what)
		c.ctx.Report.CacheHit(what)
	} else {
		c.ctx.Report.CacheMiss(what)
		c.ctx.Log.Info("Downloaded and verified %s", url)
	}
	if remember && c.ctx.CacheDir != "" {
		c.memo().put(url, sum)
	}
	return res, nil
}

// installRuntime places a repository runtime archive's tree at rel. With
// a shared runtime store: from the store when an unpacked, unmodified copy
// of that version and checksum is there (no download, no unpacking), else
// from the archive, unpacked once into the store (see runtimeStore).
// Without one: unpacked from the archive, which CACHE_DIR keeps.
func (c *compiler) installRuntime(name, version, url, rel string) error {
	what := runtimeName(name) + " " + version
	if c.ctx.CacheDir == "" {
		return c.fetchExtract(what, url, rel)
	}
	sum, remembered, err := c.checksum(what, url, true)
	if err != nil {
		return err
	}
	dest := filepath.Join(c.ctx.AppDir, rel)
	rts := c.runtimes()
	if !rts.IsShared() {
		if err := os.RemoveAll(dest); err != nil {
			return fmt.Errorf("clearing %s: %w", rel, err)
		}
		return c.unpack(what, url, sum, dest)
	}
	store := runtimeStore{rts: rts}
	st, ok, reason := store.find(name, version, sum)
	if reason != "" {
		c.ctx.Log.Info("%s: %s; unpacking it again", what, reason)
	}
	if ok {
		start := time.Now()
		n, err := placeRuntime(st, dest)
		if err == nil {
			from := "checksum from the signed manifest"
			if c.set.Unsigned {
				from = "checksum from " + path.Base(url) + ".sha256"
			}
			if remembered {
				from = "checksum remembered from an earlier build, no request"
			} else {
				c.memo().put(url, sum)
			}
			c.ctx.Log.Info("Using the unpacked %s from the runtime store (%s; %d files placed in %s)", what, from, n, buildpack.Elapsed(start))
			c.ctx.Report.CacheHit(what + " (unpacked)")
			return nil
		}
		c.ctx.Log.Info("Could not place the unpacked %s from the runtime store (%v): unpacking it again", what, err)
	}
	st, err = store.add(name, version, url, sum, func(dir string) error {
		return c.unpack(what, url, sum, dir)
	})
	if err != nil {
		return err
	}
	if _, err := placeRuntime(st, dest); err != nil {
		return fmt.Errorf("installing %s: %w", what, err)
	}
	return nil
}

// runtimes is where this build keeps the runtimes it installs.
func (c *compiler) runtimes() cache.Runtimes {
	return cache.Runtimes{CacheDir: c.cacheDir(), Shared: c.ctx.RuntimeStore}
}

// runtimeName is a runtime's name in output.
func runtimeName(name string) string {
	if name == "php" {
		return "PHP"
	}
	return name
}

// fetchExtract fetches an archive and unpacks it into rel, replacing what
// was there.
func (c *compiler) fetchExtract(what, url, rel string) error {
	res, err := c.fetch(what, url)
	if err != nil {
		return err
	}
	dest := filepath.Join(c.ctx.AppDir, rel)
	if err := os.RemoveAll(dest); err != nil {
		return fmt.Errorf("clearing %s: %w", rel, err)
	}
	if err := fetch.ExtractTarGz(res.Path, dest, 0); err != nil {
		return fmt.Errorf("unpacking %s: %w", what, err)
	}
	return nil
}

// unavailable explains a failed download from the runtime repository,
// naming the settings in effect.
func (c *compiler) unavailable(what, url string, err error) error {
	var st *fetch.StatusError
	var mm *fetch.MismatchError
	hint := fmt.Sprintf("The repository runtimes come from PHP_BASE_URL (%s) and NGINX_BASE_URL (%s): point them to a repository this build can reach that has this version for stack %s, or build with the host's PHP, PHP-FPM, nginx and Composer (KILN_PHP_RUNTIME=system, the default of kiln build).",
		c.set.PHPBaseURL, c.set.NginxBaseURL, c.ctx.Stack.Name)
	switch {
	case errors.As(err, &st):
		return &buildpack.UserError{Msg: fmt.Sprintf("%s is not available: %s answered %s", what, url, st.Status), Hint: hint}
	case errors.As(err, &mm):
		return fmt.Errorf("%s failed verification, nothing was installed or cached: %w", what, err)
	}
	return &buildpack.UserError{Msg: fmt.Sprintf("Could not download %s from %s: %v", what, url, err), Hint: hint}
}

// repositoryHint is the hint of a failure with the host's runtime: what
// the repository runtime would do instead, with the settings in effect.
func (c *compiler) repositoryHint(first string) string {
	from := "a runtime repository (set PHP_BASE_URL and " + envPublicKey + ", see docs/runtime-repository.md)"
	if base := strings.TrimRight(c.ctx.Env.Get("PHP_BASE_URL"), "/"); base != "" {
		from = "PHP_BASE_URL (" + base + ")"
	}
	return fmt.Sprintf("%s, or build with the repository runtime (KILN_PHP_RUNTIME=repository, the default of bin/compile; it is KILN_PHP_RUNTIME=%s now), which downloads PHP from %s.",
		first, c.ctx.Env.Get("KILN_PHP_RUNTIME"), from)
}

// systemPHP finds the host's php and php-fpm and checks the version.
func (c *compiler) systemPHP(rt *buildpack.Runtime) error {
	php, err := boot.FindProgram(c.ctx.Env, "php")
	if err != nil {
		return c.hostMissing("php", "php-cli")
	}
	var out bytes.Buffer
	step := buildpack.Step{Name: stepInstallPHP, Command: []string{php, "-r", "echo PHP_VERSION;"}}
	if err := c.run(step, &out); err != nil {
		return fmt.Errorf("asking the host's php for its version: %w", err)
	}
	version := regexp.MustCompile(`^\d+\.\d+\.\d+`).FindString(strings.TrimSpace(out.String()))
	if version == "" {
		return fmt.Errorf("the host's php (%s) printed %q as its version", php, out.String())
	}
	c.ctx.Log.Header("Using the host's PHP %s (%s)", version, php)
	if rt.Requested != "" {
		ok, err := stacks.ComposerSatisfies(rt.Requested, version)
		if err != nil {
			return buildpack.Userf("PHP version %q requested in %s could not be parsed: %v", rt.Requested, rt.Source, err)
		}
		if !ok {
			return &buildpack.UserError{
				Msg:  fmt.Sprintf("The app asks for PHP %s (%s) but the host has PHP %s (%s)", rt.Requested, rt.Source, version, php),
				Hint: c.repositoryHint("Install a PHP that satisfies the constraint, change the constraint")}
		}
		c.ctx.Log.Info("PHP %s satisfies %s", version, rt.Requested)
	}
	c.phpVersion = version
	parts := strings.SplitN(version, ".", 3)
	fpm, err := boot.FindProgram(c.ctx.Env, "php-fpm", "php-fpm"+parts[0]+"."+parts[1])
	if err != nil {
		return c.hostMissing("php-fpm", "php-fpm")
	}
	c.phpFPM = fpm
	return nil
}

// hostMissing is the error of a program the host's runtime lacks.
func (c *compiler) hostMissing(program, debianPkg string) error {
	return &buildpack.UserError{Msg: fmt.Sprintf("KILN_PHP_RUNTIME=system, but the host has no %s", program),
		Hint: c.repositoryHint(fmt.Sprintf("Install it (on Debian: apt-get install %s)", debianPkg))}
}

// copyFile copies src to dst atomically with mode.
func copyFile(src, dst string, mode os.FileMode) error {
	return atomicfile.Copy(src, dst, mode)
}

// writeFileAtomic writes data to path atomically (atomicfile.Write).
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	return atomicfile.Write(path, data, mode)
}
