package nodejs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// installPackageManager installs the planned Yarn or pnpm (an exact version)
// from the registry into the Node.js prefix. The extracted package is kept
// in the runtime store, so a rebuild needs no network.
func (c *compiler) installPackageManager(s buildpack.Step) error {
	if c.set.YarnBinary != "" {
		return c.installYarnFromURL(s)
	}
	name := c.set.PackageManager
	rt := c.plan.Runtime(name)
	pkg := c.set.PMPackage
	if rt == nil || pkg == "" {
		return fmt.Errorf("step %s: the plan names no %s version or package", s.Name, name)
	}
	hash := c.set.PMIntegrity
	c.log.Header("Installing %s %s (%s)", name, rt.Version, describeRequest(*rt))
	st, info, ok := findRuntime(c.cacheDir(), filepath.Base(pkg), rt.Version)
	if ok && info.Verified == hash {
		c.log.Info("Using %s@%s from the cache", pkg, rt.Version)
		c.ctx.Report.CacheHit(name + " " + rt.Version)
	} else {
		c.ctx.Report.CacheMiss(name + " " + rt.Version)
		if err := c.downloadPackage(st, pkg, rt.Version, hash); err != nil {
			return err
		}
	}
	pkgDir := filepath.Join(c.nodeHome(), "lib", "node_modules", filepath.FromSlash(pkg))
	if err := placeRuntime(st, pkgDir); err != nil {
		return fmt.Errorf("installing %s: %w", pkg, err)
	}
	return linkBins(pkgDir, filepath.Join(c.nodeHome(), "bin"))
}

// downloadPackage fetches, verifies and saves pkg@version in st: the
// package itself is the store's tree.
func (c *compiler) downloadPackage(st cache.Store, pkg, version, hash string) error {
	registry := c.set.Registry
	fetchErr, err := saveRuntime(st, func(tree string) (runtimeInfo, error) {
		// installRegistryPackage lays the package out under
		// lib/node_modules of a prefix: one next to the tree, in the
		// store's staging directory.
		prefix := filepath.Join(filepath.Dir(tree), "prefix")
		defer os.RemoveAll(prefix)
		d, err := c.installRegistryPackage(c.ctx.Context(), registry, pkg, version, hash, prefix)
		if err == nil {
			err = os.Rename(filepath.Join(prefix, "lib", "node_modules", filepath.FromSlash(pkg)), tree)
		}
		return runtimeInfo{Name: filepath.Base(pkg), Version: version, Checksum: d.Integrity.String(), Source: registry, Verified: hash}, err
	})
	if fetchErr != nil {
		if u, ok := buildpack.AsUserError(fetchErr); ok {
			return u
		}
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("Unable to install %s@%s from %s: %v", pkg, version, registry, fetchErr),
			Hint: "Check that this version exists and that the registry is reachable from the build.",
		}
	}
	if err != nil {
		return err
	}
	if hash != "" {
		c.log.Info("Verified %s@%s against the packageManager hash", pkg, version)
	}
	return nil
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
