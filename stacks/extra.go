package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ExtraVersionsEnv is the operator's setting that offers versions the
// stack tables do not list (WithExtraVersions).
const ExtraVersionsEnv = "KILN_EXTRA_VERSIONS"

// ExtraVersion is one entry of KILN_EXTRA_VERSIONS: a version of a
// component.
type ExtraVersion struct {
	// Component is php, nginx or composer.
	Component string
	// Version is a release version, X.Y.Z.
	Version string
}

// ParseExtraVersions reads KILN_EXTRA_VERSIONS: comma-separated
// COMPONENT=X.Y.Z entries (php=8.2.32,nginx=1.22.1).
func ParseExtraVersions(spec string) ([]ExtraVersion, error) {
	var out []ExtraVersion
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		comp, version, ok := strings.Cut(entry, "=")
		comp, version = strings.ToLower(strings.TrimSpace(comp)), strings.TrimSpace(version)
		if !ok || comp == "" || version == "" {
			return nil, fmt.Errorf("%s: %q is not COMPONENT=VERSION (such as php=8.2.32)", ExtraVersionsEnv, entry)
		}
		if comp != componentPHP && comp != componentNginx && comp != componentComposer {
			return nil, fmt.Errorf("%s: %q: the component is php, nginx or composer, not %q", ExtraVersionsEnv, entry, comp)
		}
		v, err := semver.StrictNewVersion(version)
		if err != nil || v.Prerelease() != "" || v.Metadata() != "" {
			return nil, fmt.Errorf("%s: %q: %q is not a release version X.Y.Z", ExtraVersionsEnv, entry, version)
		}
		out = append(out, ExtraVersion{Component: comp, Version: version})
	}
	return out, nil
}

// WithExtraVersions returns a copy of s that also offers the versions of
// spec (KILN_EXTRA_VERSIONS), each in the line of its major.minor (a new
// line, named X.Y, when the table has none); s is left as it is.
func (s *Stack) WithExtraVersions(spec string) (*Stack, error) {
	extra, err := ParseExtraVersions(spec)
	if err != nil {
		return nil, err
	}
	out := *s
	copied := map[string]bool{}
	for _, e := range extra {
		comp, _, _ := out.component(e.Component)
		if !copied[e.Component] {
			lines := make([]Line, len(comp.Lines))
			for i, l := range comp.Lines {
				l.Versions = slices.Clone(l.Versions)
				lines[i] = l
			}
			comp.Lines = lines
			copied[e.Component] = true
		}
		comp.addVersion(e.Version)
	}
	return &out, nil
}

// addVersion adds a release version to the line of its major.minor,
// keeping lines and versions in ascending order.
func (c *Component) addVersion(version string) {
	v := semver.MustParse(version)
	name := fmt.Sprintf("%d.%d", v.Major(), v.Minor())
	l := c.line(name)
	if l == nil {
		i := 0
		for i < len(c.Lines) && lineBefore(c.Lines[i].Name, v) {
			i++
		}
		c.Lines = slices.Insert(c.Lines, i, Line{Name: name, Label: "extra"})
		l = &c.Lines[i]
	}
	if slices.Contains(l.Versions, version) {
		return
	}
	i := 0
	for i < len(l.Versions) {
		if w, err := semver.StrictNewVersion(l.Versions[i]); err == nil && w.GreaterThan(v) {
			break
		}
		i++
	}
	l.Versions = slices.Insert(l.Versions, i, version)
}

// lineBefore reports whether the line called name (X.Y) comes before
// version's line.
func lineBefore(name string, v *semver.Version) bool {
	lv, err := semver.NewVersion(name)
	if err != nil {
		return true
	}
	return lv.Major() < v.Major() || (lv.Major() == v.Major() && lv.Minor() < v.Minor())
}
