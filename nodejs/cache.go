package nodejs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/otiai10/copy"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/internal/approot"
)

// Cache layout under CACHE_DIR/node:
//
//	signature      what the saved directories were built with (see cacheSignature)
//	dirs/<path>    the app directories of plan.Caches
//	npm-cache, yarn-cache, yarn-berry, pnpm-store
//	               package manager caches, used in place during the build
//
// Saving builds dirs/ in a temporary directory (.save-*, swept by
// cache.Sweep when a build is killed) and renames it into place
// after removing the signature, and writes the new signature last: a build
// killed while saving leaves either no signature (the next build starts
// afresh) or a complete, matching cache.
func (c *compiler) cacheRoot() string { return filepath.Join(c.cacheDir(), "node") }

// restoreCache brings back the cached directories when the signature
// matches, and clears the cache when it does not.
func (c *compiler) restoreCache(buildpack.Step) error {
	root := c.cacheRoot()
	c.log.Header("Restoring cache")
	old, err := os.ReadFile(filepath.Join(root, "signature"))
	if errors.Is(err, os.ErrNotExist) {
		c.log.Info("No cache from an earlier build")
		return os.RemoveAll(filepath.Join(root, "dirs"))
	}
	if err != nil {
		return fmt.Errorf("reading cache signature: %w", err)
	}
	want := c.set.Signature
	if got := strings.TrimSpace(string(old)); got != want {
		c.log.Info("Cached directories were not restored because %s changed", signatureChange(got, want))
		c.log.Info("Module installation may take longer for this build")
		// The npm cache goes too: the download into it stops first, and
		// starts again on the emptied cache.
		restart := c.stopPrefetch()
		if err := clearCache(root); err != nil {
			return err
		}
		if restart {
			c.startPrefetch(false)
		}
		return nil
	}
	for _, dir := range c.plan.Caches {
		c.log.Info("%s", c.restoreDir(root, dir))
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if e.IsDir() && pmCacheNames()[e.Name()] != "" {
			c.log.Info("- %s (package manager cache)", e.Name())
			c.ctx.Report.CacheHit(pmCacheNames()[e.Name()])
		}
	}
	return nil
}

// pmCacheNames maps the package manager caches kept under CACHE_DIR/node to
// the names the build report uses.
func pmCacheNames() map[string]string {
	return map[string]string{"npm-cache": "npm cache", "yarn-cache": "yarn cache", "yarn-berry": "yarn cache", "pnpm-store": "pnpm store"}
}

// restoreDir copies one cached directory into the app and says what it did.
func (c *compiler) restoreDir(root, dir string) string {
	src := filepath.Join(root, "dirs", filepath.FromSlash(dir))
	dst := filepath.Join(c.ctx.AppDir, filepath.FromSlash(dir))
	if err := approot.Check(c.ctx.AppDir, dir); err != nil {
		return fmt.Sprintf("- %s (skipping: %v)", dir, err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return "- " + dir + " (exists - skipping)"
	}
	if _, err := os.Stat(src); err != nil {
		return "- " + dir + " (not cached - skipping)"
	}
	if err := copy.Copy(src, dst, copy.Options{PreserveTimes: true}); err != nil {
		_ = os.RemoveAll(dst)
		return fmt.Sprintf("- %s (restore failed, skipping: %v)", dir, err)
	}
	c.ctx.Report.CacheHit(dir)
	return "- " + dir
}

// signatureChange names the parts of the signature that differ.
func signatureChange(old, cur string) string {
	o, n := strings.Split(old, "; "), strings.Split(cur, "; ")
	var changed []string
	for i := range n {
		if i >= len(o) || o[i] != n[i] {
			what, _, _ := strings.Cut(n[i], " ")
			changed = append(changed, what)
		}
	}
	if len(changed) == 0 || len(o) != len(n) {
		return "the cache format"
	}
	return "the version of " + strings.Join(changed, ", ")
}

// saveCache stores the plan's cache directories and the signature.
func (c *compiler) saveCache(buildpack.Step) error {
	root := c.cacheRoot()
	c.log.Header("Caching build")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("creating cache: %w", err)
	}
	tmp, err := os.MkdirTemp(root, ".save-")
	if err != nil {
		return fmt.Errorf("creating cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	staged := filepath.Join(tmp, "dirs")
	if err := os.MkdirAll(staged, 0o755); err != nil {
		return err
	}
	for _, dir := range c.plan.Caches {
		src := filepath.Join(c.ctx.AppDir, filepath.FromSlash(dir))
		if err := buildpack.RefuseEscapes(c.ctx.AppDir, dir); err != nil {
			return err // a build command made it a link out of the app
		}
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if err := copy.Copy(src, filepath.Join(staged, filepath.FromSlash(dir)), copy.Options{PreserveTimes: true}); err != nil {
			return fmt.Errorf("caching %s: %w", dir, err)
		}
		c.log.Info("- %s", dir)
	}
	return commitCache(root, staged, c.set.Signature)
}

// commitCache swaps the staged directories in and writes the signature.
func commitCache(root, staged, signature string) error {
	sig := filepath.Join(root, "signature")
	if err := os.Remove(sig); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("updating cache: %w", err)
	}
	dirs := filepath.Join(root, "dirs")
	if err := os.RemoveAll(dirs); err != nil {
		return fmt.Errorf("updating cache: %w", err)
	}
	if err := os.Rename(staged, dirs); err != nil {
		return fmt.Errorf("updating cache: %w", err)
	}
	tmp := sig + ".tmp"
	if err := os.WriteFile(tmp, []byte(signature+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing cache signature: %w", err)
	}
	return os.Rename(tmp, sig)
}

// clearCache empties the cache root except the saved dependency tree, which
// carries its own key (see package depcache) and says itself what changed.
func clearCache(root string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("clearing the cache: %w", err)
	}
	for _, e := range entries {
		if e.Name() == "deps" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return fmt.Errorf("clearing the cache: %w", err)
		}
	}
	return nil
}
