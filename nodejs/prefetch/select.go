package prefetch

import (
	"net/url"
	"os"
	"path"
	"runtime"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// Why a lockfile package is not prefetched (keys of List.Skipped).
const (
	// SkipPlatform: an optional package for another os, cpu or libc (or
	// one only such a package needs), which npm leaves out.
	SkipPlatform = "other_platform"
	// SkipDev: a devDependency, when npm omits them.
	SkipDev = "dev"
	// SkipCached: already in npm's cache.
	SkipCached = "in_npm_cache"
	// SkipNotReusable: a package without "resolved" whose registry
	// answers so that npm would download it again anyway (see reusable).
	SkipNotReusable = "not_reusable_by_npm"
	// SkipNotRegistry: a link, a git or file dependency, a bundled one,
	// or one without an integrity: npm's alone.
	SkipNotRegistry = "not_from_registry"
)

// Platform is the machine npm installs for, in npm's words (process.platform,
// process.arch, and "glibc" or "musl"). An empty field matches nothing
// the lockfile restricts: such packages are kept.
type Platform struct {
	OS, CPU, Libc string
}

// HostPlatform is the platform of this machine: Go's GOOS and GOARCH in
// Node.js's names, and the C library as npm tells it (npm-install-checks
// reads /usr/bin/ldd: "musl" in it means musl, "GNU C Library" glibc).
func HostPlatform() Platform {
	return Platform{OS: nodeOS(runtime.GOOS), CPU: nodeArch(runtime.GOARCH), Libc: libcOf("/usr/bin/ldd")}
}

func nodeOS(goos string) string {
	if goos == "windows" {
		return "win32"
	}
	return goos
}

func nodeArch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x64"
	case "386":
		return "ia32"
	case "ppc64le":
		return "ppc64"
	}
	return goarch
}

// libcOf reads the C library family from the ldd script at path, as npm
// does; "" when it cannot tell (then libc restrictions are not applied).
func libcOf(path string) string {
	b, err := os.ReadFile(path)
	switch {
	case err != nil:
		return ""
	case strings.Contains(string(b), "musl"):
		return "musl"
	case strings.Contains(string(b), "GNU C Library"):
		return "glibc"
	}
	return ""
}

// allows applies npm's rule for an os, cpu or libc list to value: no
// negated entry ("!win32") equals it, and one plain entry does unless all
// are negated; ["any"] allows everything. An unknown value is allowed.
func allows(list gjson.Result, value string) bool {
	if !list.Exists() || value == "" {
		return true
	}
	var entries []string
	if list.IsArray() {
		for _, e := range list.Array() {
			entries = append(entries, e.String())
		}
	} else {
		entries = []string{list.String()}
	}
	if len(entries) == 1 && entries[0] == "any" {
		return true
	}
	negated, match := 0, false
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e, "!"); ok {
			negated++
			if rest == value {
				return false
			}
		} else if e == value {
			match = true
		}
	}
	return match || negated == len(entries)
}

func (p Platform) allows(pkg gjson.Result) bool {
	return allows(pkg.Get("os"), p.OS) && allows(pkg.Get("cpu"), p.CPU) && allows(pkg.Get("libc"), p.Libc)
}

// Selection says which packages of a lockfile npm installs, and from where.
type Selection struct {
	// Platform is the machine npm runs on.
	Platform Platform
	// OmitDev is set when npm leaves devDependencies out (--omit=dev).
	OmitDev bool
	// Registry is the configured registry. Tarballs of the public registry
	// are fetched from it, and the URL of a package without "resolved" is
	// computed with it. "" is the public registry.
	Registry string
	// Scoped maps a scope ("@acme") to its registry (.npmrc's
	// @acme:registry=), for packages without "resolved".
	Scoped map[string]string
}

// List is what a lockfile asks npm to download.
type List struct {
	// Tarballs are the packages to fetch, once per integrity.
	Tarballs []Tarball
	// Skipped counts the packages left out, by reason (Skip*).
	Skipped map[string]int
}

// node is one entry of the lockfile's packages section.
type node struct {
	loc string
	pkg gjson.Result
	out []*node // dependencies it resolves to
	in  []edge  // who depends on it
}

type edge struct {
	from     *node
	optional bool
}

// Select lists the registry tarballs npm would download for a v2/v3
// package-lock.json: it leaves out, as npm's arborist does, the optional
// packages whose os, cpu or libc does not match (and the dependencies only
// they need), the devDependencies when they are omitted, and what npm
// would not read from its cache.
func Select(lock []byte, s Selection) List {
	nodes := map[string]*node{}
	var order []*node
	gjson.GetBytes(lock, "packages").ForEach(func(loc, p gjson.Result) bool {
		n := &node{loc: loc.String(), pkg: p}
		nodes[n.loc] = n
		order = append(order, n)
		return true
	})
	linkEdges(nodes, order)
	inert := inertSet(order, s.Platform)

	l := List{Skipped: map[string]int{}}
	seen := map[string]bool{}
	registry := cmpOr(strings.TrimRight(s.Registry, "/"), strings.TrimRight(publicRegistry, "/"))
	for _, n := range order {
		p := n.pkg
		if n.loc == "" || p.Get("link").Bool() || !strings.Contains(n.loc, "node_modules/") {
			continue // the app, links and workspace folders are not packages to fetch
		}
		// A devOptional package is omitted only with both dev and optional
		// omitted, which kiln's installs never ask for.
		switch {
		case s.OmitDev && p.Get("dev").Bool():
			l.Skipped[SkipDev]++
			continue
		case inert[n]:
			l.Skipped[SkipPlatform]++
			continue
		}
		t, ok := tarballOf(n, registry, s.Scoped)
		if !ok {
			l.Skipped[SkipNotRegistry]++
			continue
		}
		if seen[t.Sum.String()] {
			continue
		}
		seen[t.Sum.String()] = true
		l.Tarballs = append(l.Tarballs, t)
	}
	return l
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tarballOf is where npm gets the package at n, if it reads it from its
// cache by integrity; a package without "resolved" gets the URL npm
// computes from its registry, name and version.
func tarballOf(n *node, registry string, scoped map[string]string) (Tarball, bool) {
	p := n.pkg
	integrity := p.Get("integrity").String()
	if p.Get("inBundle").Bool() || integrity == "" {
		return Tarball{}, false
	}
	sum, err := fetch.SRI(integrity)
	if err != nil {
		return Tarball{}, false
	}
	resolved := p.Get("resolved").String()
	if resolved == "" {
		name, version := packageName(n), p.Get("version").String()
		if name == "" || version == "" {
			return Tarball{}, false
		}
		reg := registry
		if scope, _, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(scope, "@") && scoped[scope] != "" {
			reg = strings.TrimRight(scoped[scope], "/")
		}
		return Tarball{URL: TarballURL(reg, name, version), Sum: sum, Computed: true, Packument: PackumentURL(reg, name)}, true
	}
	if !strings.HasPrefix(resolved, "https://") && !strings.HasPrefix(resolved, "http://") {
		return Tarball{}, false
	}
	if rest, ok := strings.CutPrefix(resolved, publicRegistry); ok {
		resolved = registry + "/" + rest
	}
	return Tarball{URL: resolved, Sum: sum}, true
}

// packageName is the registry name of the package at n: its "name" (an
// alias installs another package under its folder name) or the folder.
func packageName(n *node) string {
	if name := n.pkg.Get("name").String(); name != "" {
		return name
	}
	i := strings.LastIndex(n.loc, "node_modules/")
	if i < 0 {
		return ""
	}
	return n.loc[i+len("node_modules/"):]
}

// TarballURL is where a registry serves a version of a package, as npm
// and the registry spell it: <registry>/<name>/-/<basename>-<version>.tgz,
// where a scoped name keeps its scope in the path ("@s/n", its slash
// escaped as the registry does not require) but not in the file name.
func TarballURL(registry, name, version string) string {
	base := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		base = name[i+1:]
	}
	return strings.TrimRight(registry, "/") + "/" + name + "/-/" + url.PathEscape(base) + "-" + url.PathEscape(version) + ".tgz"
}

// linkEdges resolves each package's dependencies as Node.js does: the
// nearest node_modules/<name> up the folder tree from the dependent.
func linkEdges(nodes map[string]*node, order []*node) {
	resolve := func(from, name string) *node {
		dir := from
		for {
			loc := path.Join(dir, "node_modules", name)
			if n, ok := nodes[loc]; ok {
				if n.pkg.Get("link").Bool() {
					if t, ok := nodes[n.pkg.Get("resolved").String()]; ok {
						return t
					}
				}
				return n
			}
			if dir == "" || dir == "." {
				return nil
			}
			dir = path.Dir(dir)
			if dir == "." {
				dir = ""
			}
		}
	}
	for _, n := range order {
		if n.pkg.Get("link").Bool() {
			continue
		}
		add := func(field string, optional bool) {
			n.pkg.Get(field).ForEach(func(name, _ gjson.Result) bool {
				if to := resolve(n.loc, name.String()); to != nil && to != n {
					n.out = append(n.out, to)
					to.in = append(to.in, edge{from: n, optional: optional})
				}
				return true
			})
		}
		add("dependencies", false)
		add("optionalDependencies", true)
		add("peerDependencies", false)
		if !strings.Contains(n.loc, "node_modules/") {
			add("devDependencies", false) // the app's and its workspaces' own
		}
	}
}

// inertSet is what npm's arborist marks inert for the platform: each
// optional package whose os, cpu or libc does not match, with its
// optional set (the part of the graph only reachable through it).
func inertSet(order []*node, p Platform) map[*node]bool {
	inert := map[*node]bool{}
	for _, n := range order {
		if !n.pkg.Get("optional").Bool() || inert[n] || p.allows(n.pkg) {
			continue
		}
		for m := range optionalSet(n, inert) {
			inert[m] = true
		}
	}
	return inert
}

// optionalSet follows arborist's optional-set.js and gather-dep-set.js:
// up through non-optional edges to the optional boundary, then down to
// every dependency with no dependent outside the set.
func optionalSet(start *node, inert map[*node]bool) map[*node]bool {
	set := map[*node]bool{start: true}
	queue := []*node{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range n.in {
			if !e.optional && !set[e.from] {
				set[e.from] = true
				queue = append(queue, e.from)
			}
		}
	}
	deps := map[*node]bool{}
	queue = queue[:0]
	for n := range set {
		deps[n] = true
		queue = append(queue, n)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, to := range n.out {
			if !set[to] && !deps[to] {
				deps[to] = true
				queue = append(queue, to)
			}
		}
	}
	for changed := true; changed && len(deps) > 0; {
		changed = false
		for d := range deps {
			for _, e := range d.in {
				if !deps[e.from] && !set[d] && !inert[e.from] {
					delete(deps, d)
					changed = true
					break
				}
			}
		}
	}
	return deps
}
