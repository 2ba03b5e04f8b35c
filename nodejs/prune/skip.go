package prune

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// Installed lists the package directories under app/node_modules,
// relative to app ("node_modules/a", "node_modules/@s/b",
// "node_modules/a/node_modules/c"), skipping dot entries as npm does. A
// link or a file where a package should be is an error: npm decides then.
func Installed(app string) ([]string, error) {
	var out []string
	// walk lists the packages of the node_modules directory nm; scoped
	// packages sit one level deeper, under their @scope.
	var walk func(nm string, scope bool) error
	walk = func(nm string, scope bool) error {
		entries, err := os.ReadDir(filepath.Join(app, filepath.FromSlash(nm)))
		if os.IsNotExist(err) && !scope {
			return nil
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			rel := nm + "/" + name
			switch {
			case strings.HasPrefix(name, "."):
			case !e.IsDir():
				return fmt.Errorf("%s is not a package directory", rel)
			case !scope && strings.HasPrefix(name, "@"):
				if err := walk(rel, true); err != nil {
					return err
				}
			default:
				out = append(out, rel)
				if err := walk(rel+"/node_modules", false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk("node_modules", false)
	sort.Strings(out)
	return out, err
}

// npmPlatform is how npm names this machine in the lockfile's os and cpu
// fields.
func npmPlatform() (string, string) {
	cpu := runtime.GOARCH
	if cpu == "amd64" {
		cpu = "x64"
	}
	return runtime.GOOS, cpu
}

// fitsPlatform reports whether a lockfile entry's os and cpu allow this
// machine (npm skips optional packages that do not fit).
func fitsPlatform(p gjson.Result) bool {
	goos, cpu := npmPlatform()
	allows := func(field gjson.Result, v string) bool {
		if !field.Exists() {
			return true
		}
		ok := false
		field.ForEach(func(_, x gjson.Result) bool {
			s := x.String()
			if s == v || (strings.HasPrefix(s, "!") && s[1:] != v) {
				ok = true
			}
			return !ok
		})
		return ok
	}
	return allows(p.Get("os"), goos) && allows(p.Get("cpu"), cpu) && !p.Get("libc").Exists()
}

// rootAgrees reports whether package.json declares the dependencies the
// lockfile's root entry records: the sections npm builds its ideal tree
// from, which it copies into that entry. A build script that edits
// package.json without the lockfile leaves npm prune work that the
// lockfile cannot show.
func rootAgrees(pkg, lock []byte) bool {
	var root gjson.Result
	gjson.GetBytes(lock, "packages").ForEach(func(k, v gjson.Result) bool {
		if k.String() == "" {
			root = v
		}
		return !root.Exists()
	})
	for _, sec := range []string{"dependencies", "devDependencies", "optionalDependencies", "peerDependencies"} {
		want := map[string]string{}
		gjson.GetBytes(pkg, sec).ForEach(func(k, v gjson.Result) bool { want[k.String()] = v.String(); return true })
		got := map[string]string{}
		root.Get(sec).ForEach(func(k, v gjson.Result) bool { got[k.String()] = v.String(); return true })
		if !maps.Equal(want, got) {
			return false
		}
	}
	return true
}

// Leftovers compares the packages installed in app (as Installed lists
// them) and its package.json with the production packages of the lockfile,
// and returns why npm prune must still run, or "".
func Leftovers(app string, lock []byte, installed []string) string {
	if pkg, err := os.ReadFile(filepath.Join(app, "package.json")); err != nil || !rootAgrees(pkg, lock) {
		return "package.json does not declare the dependencies the lockfile records"
	}
	have := map[string]bool{}
	for _, p := range installed {
		have[p] = true
	}
	want := map[string]gjson.Result{}
	why := ""
	gjson.GetBytes(lock, "packages").ForEach(func(key, p gjson.Result) bool {
		k := key.String()
		if k == "" || p.Get("dev").Bool() {
			return true
		}
		want[k] = p
		if !have[k] && !(p.Get("optional").Bool() && !fitsPlatform(p)) {
			why = k + " is missing"
		}
		return why == ""
	})
	if why != "" {
		return why
	}
	for _, rel := range installed {
		p, ok := want[rel]
		if !ok {
			return rel + " is not a production package of the lockfile"
		}
		pj, err := os.ReadFile(filepath.Join(app, filepath.FromSlash(rel), "package.json"))
		if err != nil {
			return rel + " has no package.json"
		}
		name := p.Get("name").String()
		if name == "" {
			name = strings.TrimPrefix(rel[strings.LastIndex(rel, "node_modules/"):], "node_modules/")
		}
		if v := gjson.GetBytes(pj, "version").String(); v != p.Get("version").String() || gjson.GetBytes(pj, "name").String() != name {
			return fmt.Sprintf("%s is %s@%s, the lockfile says %s@%s", rel, gjson.GetBytes(pj, "name").String(), v, name, p.Get("version").String())
		}
	}
	return ""
}

// HiddenLockfile returns npm's hidden lockfile (the text of
// node_modules/.package-lock.json) without the entries of the moved
// packages and what lies inside them, when what remains lists exactly the
// installed packages; else it returns why not, for npm prune to decide.
func HiddenLockfile(hidden []byte, moved, installed []string) ([]byte, string) {
	pkgs := gjson.GetBytes(hidden, "packages")
	if !pkgs.IsObject() {
		return nil, "node_modules/.package-lock.json has no packages"
	}
	movedSet := make(map[string]bool, len(moved))
	for _, m := range moved {
		movedSet[m] = true
	}
	// gone reports whether k is a moved package or lies inside one: each
	// package path ends where a "/node_modules/" starts. A key outside
	// node_modules/ (the root's "", a workspace folder) is no package of it.
	gone := func(k string) bool {
		if movedSet[k] {
			return true
		}
		if !strings.HasPrefix(k, "node_modules/") {
			return false
		}
		for i := len("node_modules/"); ; {
			j := strings.Index(k[i:], "/node_modules/")
			if j < 0 {
				return false
			}
			if movedSet[k[:i+j]] {
				return true
			}
			i += j + len("/node_modules/")
		}
	}
	type member struct {
		start, end int
		keep       bool
	}
	var members []member
	var kept []string
	pkgs.ForEach(func(key, v gjson.Result) bool {
		k := key.String()
		m := member{start: key.Index, end: v.Index + len(v.Raw), keep: !gone(k)}
		if m.keep {
			kept = append(kept, k)
		}
		members = append(members, m)
		return true
	})
	sort.Strings(kept)
	if !slices.Equal(kept, installed) {
		return nil, "node_modules/.package-lock.json does not list what is installed"
	}
	switch {
	case len(kept) == 0:
		return nil, "no package is left" // npm writes an empty object: let it
	case len(members) == 1:
		return hidden, ""
	}
	sep := hidden[members[0].end:members[1].start] // ",\n    " as npm wrote it
	var b []byte
	b = append(b, hidden[:members[0].start]...)
	first := true
	for _, m := range members {
		if !m.keep {
			continue
		}
		if !first {
			b = append(b, sep...)
		}
		b = append(b, hidden[m.start:m.end]...)
		first = false
	}
	b = append(b, hidden[members[len(members)-1].end:]...)
	return b, ""
}
