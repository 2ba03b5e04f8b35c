package stacks

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// tableVersion is one version of a component table, parsed, with its line.
type tableVersion struct {
	raw  string
	v    *semver.Version
	line *Line
}

// parsed returns every version of the component, in table order (lines
// oldest first, versions ascending), after checking that they are plain
// X.Y.Z versions.
func (c *Component) parsed(component string) ([]tableVersion, error) {
	n := 0
	for _, l := range c.Lines {
		n += len(l.Versions)
	}
	out := make([]tableVersion, 0, n)
	for i := range c.Lines {
		l := &c.Lines[i]
		for _, raw := range l.Versions {
			v, err := semver.StrictNewVersion(raw)
			if err != nil {
				return nil, fmt.Errorf("%s table, line %s: version %q: %w", component, l.Name, raw, err)
			}
			if v.Prerelease() != "" || v.Metadata() != "" {
				return nil, fmt.Errorf("%s table, line %s: version %q is not a release", component, l.Name, raw)
			}
			out = append(out, tableVersion{raw: raw, v: v, line: l})
		}
	}
	return out, nil
}

// highest returns the greatest version for which keep is true, or nil.
func highest(versions []tableVersion, keep func(tableVersion) bool) *tableVersion {
	var best *tableVersion
	for i := range versions {
		tv := &versions[i]
		if keep(*tv) && (best == nil || tv.v.GreaterThan(best.v)) {
			best = tv
		}
	}
	return best
}

// onLine returns a filter keeping the versions of line l.
func onLine(l *Line) func(tableVersion) bool {
	return func(tv tableVersion) bool { return tv.line == l }
}
