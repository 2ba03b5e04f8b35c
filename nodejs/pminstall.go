package nodejs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
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
	version, why := c.installedPM(rt)
	c.log.Header("Installing %s %s (%s)", name, version, why)
	t := c.tool(filepath.Base(pkg), version)
	info, ok := t.find()
	usable := func(info runtimeInfo) bool { return info.Verified == hash && info.Archive != "" }
	pkgDir := filepath.Join(c.nodeHome(), "lib", "node_modules", filepath.FromSlash(pkg))
	switch {
	case ok && usable(info) && t.shared:
		c.log.Info("Using %s@%s from the runtime store", pkg, version)
		c.ctx.Report.CacheHit(name + " " + version)
	case ok && usable(info):
		c.log.Info("Unpacking %s@%s from its archive in the cache", pkg, version)
		c.ctx.Report.CacheHit(name + " " + version)
		if err := c.unpackPackage(t, pkgDir, pkg, info); err != nil {
			return err
		}
	default:
		c.ctx.Report.CacheMiss(name + " " + version)
		if err := c.downloadPackage(t, pkgDir, pkg, hash, usable); err != nil {
			return err
		}
	}
	if err := t.place(pkgDir); err != nil {
		return fmt.Errorf("installing %s: %w", pkg, err)
	}
	return linkBins(pkgDir, filepath.Join(c.nodeHome(), "bin"))
}

// installedPM is the version of the package manager kiln installs and why:
// the plan's runtime, except for a Yarn whose vendored release (yarnPath)
// is the Yarn that runs, where kiln installs the launcher the plan names.
func (c *compiler) installedPM(rt *buildpack.Runtime) (version, why string) {
	if rt.Name == "yarn" && c.set.YarnLauncher != "" {
		return c.set.YarnLauncher, fmt.Sprintf("it hands every command to the vendored Yarn %s, %s", rt.Version, c.set.YarnPath)
	}
	return rt.Version, describeRequest(*rt)
}

// unpackPackage unpacks, without a shared store, the registry tarball the
// record info names into pkgDir: from CACHE_DIR when it is there, else
// downloaded again and verified against the record.
func (c *compiler) unpackPackage(t tool, pkgDir, pkg string, info runtimeInfo) error {
	algo, digest, _ := strings.Cut(info.Checksum, ":")
	sum, err := fetch.Hex(algo, digest)
	if err != nil {
		return fmt.Errorf("the record of %s@%s: %w", pkg, t.version, err)
	}
	_, fetchErr, err := t.install(pkgDir, nil, func(tree string) (runtimeInfo, error) {
		_, err := c.fetcher().Unpack(c.ctx.Context(), info.Archive, sum, tree, 1)
		return info, err
	})
	if fetchErr != nil {
		return fmt.Errorf("unpacking %s@%s: %w", pkg, t.version, fetchErr)
	}
	return err
}

// downloadPackage fetches, verifies and installs pkg@version (see
// tool.install): the package itself is the tool's tree.
func (c *compiler) downloadPackage(t tool, pkgDir, pkg, hash string, usable func(runtimeInfo) bool) error {
	registry := c.set.Registry
	version := t.version
	_, fetchErr, err := t.install(pkgDir, usable, func(tree string) (runtimeInfo, error) {
		// installRegistryPackage lays the package out under
		// lib/node_modules of a prefix: one next to the tree.
		prefix := tree + ".prefix"
		defer os.RemoveAll(prefix)
		d, err := c.installRegistryPackage(c.ctx.Context(), registry, pkg, version, hash, prefix)
		if err == nil {
			err = os.Rename(filepath.Join(prefix, "lib", "node_modules", filepath.FromSlash(pkg)), tree)
		}
		return runtimeInfo{Name: t.name, Version: version, Checksum: d.Integrity.String(), Source: registry, Archive: d.Tarball, Verified: hash}, err
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
