package nodejs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// installPackageManager installs the planned Yarn or pnpm (an exact version)
// from the registry into the Node.js prefix. The extracted package is kept
// in the runtime store, so a rebuild needs no network.
func (c *compiler) installPackageManager(s buildpack.Step) error {
	name := c.plan.Settings[setPackageManager]
	rt := c.plan.Runtime(name)
	pkg := c.plan.Settings[setPMPackage]
	if rt == nil || pkg == "" {
		return fmt.Errorf("step %s: the plan names no %s version or package", s.Name, name)
	}
	hash := c.plan.Settings[setPMIntegrity]
	c.log.Header("Installing %s %s (%s)", name, rt.Version, describeRequest(*rt))
	storeName := filepath.Base(pkg)
	tree, info, ok := c.store().find(storeName, rt.Version)
	if ok && info.Verified == hash {
		c.log.Info("Using %s@%s from the cache", pkg, rt.Version)
		c.ctx.Report.CacheHit(name + " " + rt.Version)
		tree = filepath.Join(tree, "p") // as downloadPackage stores it
	} else {
		c.ctx.Report.CacheMiss(name + " " + rt.Version)
		var err error
		if tree, err = c.downloadPackage(pkg, storeName, rt.Version, hash); err != nil {
			return err
		}
	}
	pkgDir := filepath.Join(c.nodeHome(), "lib", "node_modules", filepath.FromSlash(pkg))
	if err := placeTree(tree, pkgDir); err != nil {
		return fmt.Errorf("installing %s: %w", pkg, err)
	}
	return linkBins(pkgDir, filepath.Join(c.nodeHome(), "bin"))
}

// downloadPackage fetches, verifies and stores pkg@version.
func (c *compiler) downloadPackage(pkg, storeName, version, hash string) (string, error) {
	registry := c.plan.Settings[setRegistry]
	staged, err := c.store().staging()
	if err != nil {
		return "", err
	}
	d, err := c.installRegistryPackage(c.ctx.Context(), registry, pkg, version, hash, staged)
	if err != nil {
		_ = os.RemoveAll(staged)
		if u, ok := buildpack.AsUserError(err); ok {
			return "", u
		}
		return "", &buildpack.UserError{
			Msg:  fmt.Sprintf("Unable to install %s@%s from %s: %v", pkg, version, registry, err),
			Hint: "Check that this version exists and that the registry is reachable from the build.",
		}
	}
	if hash != "" {
		c.log.Info("Verified %s@%s against the packageManager hash", pkg, version)
	}
	// Keep only the package itself: installRegistryPackage laid it out
	// under lib/node_modules of the staging prefix.
	inner := filepath.Join(staged, "lib", "node_modules", filepath.FromSlash(pkg))
	flat, err := c.store().staging()
	if err != nil {
		return "", err
	}
	if err := os.Rename(inner, filepath.Join(flat, "p")); err != nil {
		return "", fmt.Errorf("storing %s: %w", pkg, err)
	}
	_ = os.RemoveAll(staged)
	tree, err := c.store().commit(flat, runtimeInfo{Name: storeName, Version: version, Checksum: d.Integrity.String(), Source: registry, Verified: hash})
	return filepath.Join(tree, "p"), err
}

// verifyPMHash checks a packageManager hash ("sha512.<hex>"). Corepack
// computes it over the file it downloads: the registry tarball, or for Yarn
// 2+ the single bin/yarn.js; either matching is accepted.
func verifyPMHash(hash, tarball, pkgDir string) error {
	sum, err := fetch.PackageManagerHash("x+" + hash)
	if err != nil {
		return err
	}
	for _, f := range []string{tarball, filepath.Join(pkgDir, "bin", "yarn.js")} {
		if ok, _ := fileHashIs(f, sum); ok {
			return nil
		}
	}
	return &buildpack.UserError{
		Msg:  fmt.Sprintf("The package manager downloaded from the registry does not match the packageManager hash %s", sum),
		Hint: "Check the packageManager field of package.json: regenerate it with `corepack use <manager>@<version>` or drop the +hash part.",
	}
}

func fileHashIs(path string, sum fetch.Checksum) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h, err := sum.NewHash()
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return bytes.Equal(h.Sum(nil), sum.Digest), nil
}
