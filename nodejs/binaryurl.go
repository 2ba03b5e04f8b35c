package nodejs

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/stacks"
)

// NODE_BINARY_URL and YARN_BINARY_URL install Node.js or Yarn from an
// archive of the user's choosing, as on the reference platform: no version
// resolution, no official source. The archive is a .tar.gz whose first path
// component is dropped (node-v22.11.0-linux-x64/…, package/…). The plan
// reads the version from the URL. NODE_BINARY_SHA256 and YARN_BINARY_SHA256
// verify the archive; without them the download is used unverified, which
// the plan warns about and the build says, with the SHA-256 to pin.

// binaryVersion finds the version in a binary URL's path (node-v22.11.0-…,
// yarn-v1.22.22.tar.gz, yarn-4.9.2.tgz).
var binaryVersion = regexp.MustCompile(`(?:^|[^0-9.])v?(\d+\.\d+\.\d+(?:-(?:rc|alpha|beta)\.?\d+)?)(?:[^0-9.]|\.t|$)`)

// binarySource is a NODE_BINARY_URL or YARN_BINARY_URL as planned.
type binarySource struct {
	variable string // NODE_BINARY_URL or YARN_BINARY_URL
	url      string // as given
	shown    string // without credentials, for the plan and the output
	version  string
	sum      fetch.Checksum // zero when no checksum was given
}

// planBinarySource reads the URL variable named by variable and its
// checksum variable; ok is false when the URL variable is unset.
func planBinarySource(env buildpack.Env, variable, what string) (b binarySource, ok bool, err error) {
	raw := strings.TrimSpace(env.Get(variable))
	if raw == "" {
		return binarySource{}, false, nil
	}
	u, perr := url.Parse(raw)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") || (u.Scheme != "file" && u.Host == "") {
		return b, true, &buildpack.UserError{
			Msg:  fmt.Sprintf("%s is not an http(s):// or file:// URL", variable),
			Hint: fmt.Sprintf("Set %s to the URL of a %s .tar.gz archive, or unset it.", variable, what),
		}
	}
	b = binarySource{variable: variable, url: raw, shown: redactURL(u)}
	m := binaryVersion.FindStringSubmatch(u.Path)
	if m == nil {
		return b, true, &buildpack.UserError{
			Msg:  fmt.Sprintf("%s %s does not say which %s version it holds", variable, b.shown, what),
			Hint: fmt.Sprintf("Name the version in the archive's file name, as the official archives do (e.g. %s).", map[string]string{"Node.js": "node-v24.11.0-linux-x64.tar.gz", "Yarn": "yarn-v1.22.22.tar.gz"}[what]),
		}
	}
	b.version = m[1]
	sumVar := strings.TrimSuffix(variable, "_URL") + "_SHA256"
	if s := strings.TrimSpace(env.Get(sumVar)); s != "" {
		if b.sum, err = fetch.Hex("sha256", strings.ToLower(s)); err != nil {
			return b, true, &buildpack.UserError{
				Msg:  fmt.Sprintf("%s is not a SHA-256 checksum: %v", sumVar, err),
				Hint: fmt.Sprintf("Set it to the 64 hexadecimal digits of `sha256sum` of the archive %s names.", variable),
			}
		}
	}
	return b, true, nil
}

// warning is the plan's warning about an unverified binary URL, "" when a
// checksum verifies it.
func (b binarySource) warning() string {
	if !b.sum.IsZero() {
		return ""
	}
	sumVar := strings.TrimSuffix(b.variable, "_URL") + "_SHA256"
	return fmt.Sprintf("%s is used without a checksum: what %s serves is not verified against a known checksum. Set %s to the archive's SHA-256 to verify it.", b.variable, b.shown, sumVar)
}

// redactURL drops the password of a URL's user information.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	return c.String()
}

// binaryKey names the runtime store of a binary URL: what its tree came
// from, so another URL or checksum is another store.
func binaryKey(rawURL, sum string) string {
	h := sha256.Sum256([]byte(rawURL + "\n" + sum))
	return fmt.Sprintf("url-%x", h[:6])
}

// fetchBinary unpacks the .tar.gz at rawURL into dir, dropping its first
// path component: through the verified download store when sum is set and
// the URL is http(s), else read once while its SHA-256 is computed, and
// compared with sum when there is one.
func (c *compiler) fetchBinary(rawURL string, sum fetch.Checksum, dir string) (nodeArchive, error) {
	ctx := c.ctx.Context()
	if !sum.IsZero() && !strings.HasPrefix(rawURL, "file:") {
		if _, err := c.fetcher().Unpack(ctx, rawURL, sum, dir, 1); err != nil {
			return nodeArchive{}, err
		}
		return nodeArchive{url: rawURL, sum: sum, strip: 1}, nil
	}
	body, err := c.openBinary(rawURL)
	if err != nil {
		return nodeArchive{}, err
	}
	defer body.Close()
	// Read into the download store, where the archive is kept by its
	// checksum once read (unverified the first time, so that a build
	// without a shared runtime store finds it by the checksum it records).
	f := c.fetcher().f
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nodeArchive{}, err
	}
	tmp, err := os.CreateTemp(f.Dir, ".part-*")
	if err != nil {
		return nodeArchive{}, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nodeArchive{}, fmt.Errorf("reading the archive: %w", err)
	}
	got, err := fetch.Hex("sha256", fmt.Sprintf("%x", h.Sum(nil)))
	if err != nil {
		return nodeArchive{}, err
	}
	if !sum.IsZero() && got.String() != sum.String() {
		return nodeArchive{}, &fetch.MismatchError{Want: sum, Got: got}
	}
	if err := fetch.ExtractTarGz(tmp.Name(), dir, 1); err != nil {
		return nodeArchive{}, err
	}
	if err := f.Keep(tmp.Name(), got); err != nil {
		return nodeArchive{}, err
	}
	return nodeArchive{url: rawURL, sum: got, strip: 1}, nil
}

// openBinary opens the archive at an http(s) or file URL.
func (c *compiler) openBinary(rawURL string) (io.ReadCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "file" {
		return os.Open(filepath.FromSlash(u.Path))
	}
	req, err := http.NewRequestWithContext(c.ctx.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	client := c.ctx.HTTP
	if client == nil {
		client = fetch.NewClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL may hold credentials
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("the server answered %s", resp.Status)
	}
	return resp.Body, nil
}

// installBinary installs Node.js or Yarn from its binary URL at dst, as
// a tool keyed by URL and checksum (see tool): kept unpacked in the shared
// runtime store, or, without one, recorded in CACHE_DIR with the checksum
// of its first download, and unpacked again from the archive.
func (c *compiler) installBinary(variable, shown, sumHex, name, version, dst string) (t tool, archive nodeArchive, err error) {
	rawURL := c.env.Get(variable)
	var sum fetch.Checksum
	if sumHex != "" {
		if sum, err = fetch.Hex("sha256", sumHex); err != nil {
			return t, nodeArchive{}, err
		}
	}
	t = c.tool(name+"-"+binaryKey(rawURL, sumHex), version)
	if info, ok := t.find(); ok {
		if a, aerr := archiveOf(info); aerr == nil {
			if t.shared {
				c.log.Info("Using %s %s from the runtime store (from %s, %s)", name, version, shown, shortSum(info.Checksum))
				return t, a, nil
			}
			if sum.IsZero() {
				sum = a.sum // what it was when first used, kept in CACHE_DIR from then on
			}
		}
	}
	c.log.Info("Downloading %s %s from %s (%s)", name, version, shown, variable)
	info, fetchErr, err := t.install(dst, usableNode, func(tree string) (runtimeInfo, error) {
		a, err := c.fetchBinary(rawURL, sum, tree)
		archive = a
		return runtimeInfo{Name: t.name, Version: version, Checksum: a.sum.String(), Source: variable, Archive: rawURL}, err
	})
	if fetchErr != nil {
		return t, nodeArchive{}, &buildpack.UserError{
			Msg:  fmt.Sprintf("Unable to download %s from %s (%s): %v", name, variable, shown, fetchErr),
			Hint: fmt.Sprintf("Check that %s points to a reachable .tar.gz archive of %s (and %s_SHA256, when set, to its checksum), or unset it.", variable, name, strings.TrimSuffix(variable, "_URL")),
		}
	}
	if err != nil {
		return t, nodeArchive{}, err
	}
	if archive.url == "" {
		// Another build saved it in the shared store meanwhile.
		archive, err = archiveOf(info)
		return t, archive, err
	}
	if sumHex == "" {
		c.log.Warn("%s is not verified against a known checksum; its SHA-256 is %x (set %s_SHA256 to it to verify later downloads)", shown, archive.sum.Digest, strings.TrimSuffix(variable, "_URL"))
	} else {
		c.log.Info("Verified against %s_SHA256", strings.TrimSuffix(variable, "_URL"))
	}
	return t, archive, nil
}

// installNodeFromURL installs the Node.js of NODE_BINARY_URL.
func (c *compiler) installNodeFromURL(rt *buildpack.Runtime) error {
	c.log.Header("Installing Node.js %s (from NODE_BINARY_URL)", rt.Version)
	t, a, err := c.installBinary("NODE_BINARY_URL", c.set.NodeBinary, c.set.NodeBinarySHA256, "node", rt.Version, c.nodeHome())
	if err != nil {
		return err
	}
	a.version = rt.Version
	if c.headers != nil {
		c.headers.Use(a.forHeaders())
	}
	if err := c.placeNode(t); err != nil {
		return fmt.Errorf("installing Node.js into %s: %w", nodeDir, err)
	}
	return nil
}

// installYarnFromURL installs the Yarn of YARN_BINARY_URL into the Node.js
// prefix, as the planned package would be.
func (c *compiler) installYarnFromURL(s buildpack.Step) error {
	rt := c.plan.Runtime("yarn")
	if rt == nil {
		return fmt.Errorf("step %s: the plan names no yarn version", s.Name)
	}
	version, _ := c.installedPM(rt)
	c.log.Header("Installing yarn %s (from YARN_BINARY_URL)", version)
	pkgDir := filepath.Join(c.nodeHome(), "lib", "node_modules", filepath.FromSlash(c.set.PMPackage))
	t, _, err := c.installBinary("YARN_BINARY_URL", c.set.YarnBinary, c.set.YarnBinarySHA256, "yarn", version, pkgDir)
	if err != nil {
		return err
	}
	if err := t.place(pkgDir); err != nil {
		return fmt.Errorf("installing yarn: %w", err)
	}
	return linkBins(pkgDir, filepath.Join(c.nodeHome(), "bin"))
}

// planNode resolves the Node.js request, or takes NODE_BINARY_URL's
// Node.js without resolving anything.
func (pl *planner) planNode(req stacks.Request) (buildpack.Runtime, error) {
	b, ok, err := planBinarySource(pl.env, "NODE_BINARY_URL", "Node.js")
	if err != nil {
		return buildpack.Runtime{}, err
	}
	if ok {
		if w := b.warning(); w != "" {
			pl.plan.Warn(w)
		}
		pl.set.NodeBinary, pl.set.NodeBinarySHA256 = b.shown, sumHex(b.sum)
		pl.warnBrokenNode(b.version)
		return buildpack.Runtime{Name: "node", Version: b.version, Requested: b.shown, Source: "NODE_BINARY_URL"}, nil
	}
	res, err := resolveNode(pl.stack, req, pl.env.Bool("NODEJS_ALLOW_WIDE_RANGE"))
	if err != nil {
		return buildpack.Runtime{}, err
	}
	for _, w := range res.Warnings {
		pl.plan.Warn(w)
	}
	pl.adviseEngines(req)
	pl.warnBrokenNode(res.Version)
	return buildpack.Runtime{Name: "node", Version: res.Version, Requested: req.Value, Source: req.Source}, nil
}

// planYarnBinary makes a Yarn app take Yarn from YARN_BINARY_URL.
func (pl *planner) planYarnBinary(pm *pmChoice) error {
	b, ok, err := planBinarySource(pl.env, "YARN_BINARY_URL", "Yarn")
	if err != nil || !ok || pm.name != "yarn" {
		return err
	}
	if w := b.warning(); w != "" {
		pl.plan.Warn(w)
	}
	pl.set.YarnBinary, pl.set.YarnBinarySHA256 = b.shown, sumHex(b.sum)
	pm.version, pm.requested, pm.source, pm.integrity = b.version, b.shown, "YARN_BINARY_URL", ""
	pm.pkg = yarnPackage(b.version)
	return nil
}

// sumHex is a SHA-256 checksum's hex digits, "" for none.
func sumHex(sum fetch.Checksum) string {
	if sum.IsZero() {
		return ""
	}
	return fmt.Sprintf("%x", sum.Digest)
}
