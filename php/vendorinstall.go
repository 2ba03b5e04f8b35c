package php

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
)

// composerInstall carries out the composer-install step as the plan's
// dependency_cache setting says (see planVendorCache): it computes the
// dependency key from the inputs the plan names, restores the saved vendor/
// when the key matches, then runs the install command either way; after an
// install that started without a restore it saves vendor/ with its key,
// before compile commands can change it.
func (c *compiler) composerInstall(s buildpack.Step) error {
	if !c.set.VendorCache {
		if c.set.VendorCacheOff != "" {
			c.ctx.Log.Info("vendor/ is not cached: %s", c.set.VendorCacheOff)
		}
		return c.run(s, nil)
	}
	if c.ctx.CacheDir == "" {
		c.ctx.Log.Info("No build cache: installing")
		return c.run(s, nil)
	}
	mods, err := c.loadedModules()
	if err != nil {
		return err
	}
	key, err := computeVendorKey(c.ctx.AppDir, c.plan, c.set, c.ctx.Env, vendorKeyInputs{
		PHP: c.phpVersion, Composer: c.composerVersion, Extensions: mods, Command: s.Command})
	if err != nil {
		return err
	}
	vc := newVendorCache(c.ctx.CacheDir)
	restored := c.restoreVendor(vc, key)
	if !restored {
		c.ctx.Report.CacheMiss("vendor")
	}
	if err := c.run(s, nil); err != nil {
		if restored {
			// The saved tree may be what made Composer fail: the next build
			// installs from scratch.
			c.waitVendorSpare(true)
			_ = vc.store.Drop()
			c.ctx.Log.Warn("Composer failed on the restored vendor/; the cached copy is dropped and the next build installs from scratch.")
		}
		return err
	}
	if !restored {
		c.saveVendor(vc, key, nil)
	}
	c.sharedVendor = &vc
	return nil
}

// checkSharedVendor runs once the build's programs are done. The saved
// vendor/ shares its package files with the app's (hard links, see
// cache.Vendor); when a compile command or a Composer script rewrote
// one of them in place, the saved copy changed too, and it is dropped rather
// than handed to the next build.
func (c *compiler) checkSharedVendor() {
	if c.sharedVendor == nil {
		return
	}
	rel, err := c.sharedVendor.store.CheckShared(nil)
	switch {
	case err != nil:
		c.ctx.Log.Warn("Could not check the saved vendor/ (%v); the next build may reinstall", err)
	case rel != "":
		c.ctx.Log.Warn("The build changed vendor/%s in place, a file the dependency cache shares with vendor/: "+
			"the cached vendor/ is dropped and the next build installs from scratch. "+
			"Commands that patch packages should write new files (or use a Composer patches plugin, which runs during the install).",
			filepath.ToSlash(rel))
	}
}

// restoreVendor restores the saved vendor/ when its key matches, and
// otherwise says why it installs.
func (c *compiler) restoreVendor(vc vendorCache, key vendorKey) bool {
	m, r := vc.open(key.changes)
	switch {
	case r.Status == cache.Damaged:
		c.ctx.Log.Info("Ignoring the cached vendor/ (%v): installing", r.Err)
		return false
	case r.Status == cache.Miss && len(r.Changed) == 0:
		c.ctx.Log.Info("No installed dependencies in the cache: installing")
		return false
	case r.Status == cache.Miss:
		c.ctx.Log.Info("Dependencies changed since the cached build (%s): installing", strings.Join(r.Changed, ", "))
		return false
	}
	if reason := vendorDamage(vc); reason != "" {
		_ = vc.store.Drop()
		c.ctx.Log.Warn("The cached vendor/ was damaged after it was saved (%s): it is dropped, and Composer installs afresh. "+
			"A slug kiln build made shares its vendor/ files with the cache: edit a copy of it, not the slug itself.", reason)
		return false
	}
	start := time.Now()
	n, spare, err := vc.restore(c.ctx.AppDir, m)
	if err != nil {
		c.ctx.Log.Info("Could not restore the cached vendor/ (%v): installing", err)
		return false
	}
	how := ""
	if spare {
		how = " from its ready-made copy"
	}
	c.ctx.Log.Info("Dependencies unchanged since the cached build: restored vendor/ (%d files)%s in %s; "+
		"Composer now only regenerates the autoloader and runs the scripts", n, how, buildpack.Elapsed(start))
	c.ctx.Report.CacheHit("vendor")
	c.prepareVendorSpare(vc)
	return true
}

// vendorDamage checks the saved tree before it is reused, and says what is
// wrong with it ("" when nothing is). Its files are hard links shared with
// the slugs that restored them (and, through the spare, with the next
// one): a file rewritten in place after the save, through a slug or in the
// cache itself, has a modification time past the save's
// (cache.Store.ModifiedSinceSave). One stat per file, on the warm
// build's path: 70-130 ms for 8,000 files on the (loaded) build machine.
func vendorDamage(vc vendorCache) string {
	rel, err := vc.store.ModifiedSinceSave()
	switch {
	case err != nil:
		return fmt.Sprintf("it could not be checked: %v", err)
	case rel != "":
		return "vendor/" + filepath.ToSlash(rel) + " was changed after it was saved"
	}
	return ""
}

// saveVendor keeps the installed vendor/ for the next build. A failure only
// costs the next build its shortcut: it is reported, not fatal.
func (c *compiler) saveVendor(vc vendorCache, key vendorKey, hook cache.Hook) {
	if _, err := os.Stat(filepath.Join(c.ctx.AppDir, "vendor")); err != nil {
		return
	}
	start := time.Now()
	n, err := vc.save(c.ctx.AppDir, key, hook)
	if err != nil {
		c.ctx.Log.Warn("Could not save vendor/ for the next build: %v", err)
		return
	}
	c.ctx.Log.Info("Saved vendor/ (%d files) for the next build in %s", n, buildpack.Elapsed(start))
	c.prepareVendorSpare(vc)
}

// loadedModules lists the extensions PHP loads with the app's
// configuration, asking PHP only when no earlier step has since the last
// change to the configuration.
func (c *compiler) loadedModules() ([]string, error) {
	if c.mods == nil {
		mods, err := c.modules()
		if err != nil {
			return nil, err
		}
		c.mods = mods
	}
	out := make([]string, 0, len(c.mods))
	for m := range c.mods {
		out = append(out, m)
	}
	slices.Sort(out)
	return out, nil
}
