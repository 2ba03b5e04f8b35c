package stacks

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// NpmRangeReaches reports whether some release version v (no prerelease)
// with from <= v < below satisfies the npm range rng: whether the range can
// resolve into that window whatever the registry holds. It needs no list of
// published versions: each alternative of the range is an interval, and
// the lowest release in its intersection with the window, when there is
// one, is from itself or a bound the range names (or the release just
// above an exclusive bound), so testing those candidates is enough.
func NpmRangeReaches(rng, from, below string) (bool, error) {
	r, err := parseNpmRange(rng)
	if err != nil {
		return false, err
	}
	lo, err := parseNpmVersion(from)
	if err != nil {
		return false, fmt.Errorf("window start: %w", err)
	}
	hi, err := parseNpmVersion(below)
	if err != nil {
		return false, fmt.Errorf("window end: %w", err)
	}
	candidates := []*semver.Version{lo}
	for _, set := range r {
		for _, c := range set {
			if c.v == nil {
				continue
			}
			release := semver.New(c.v.Major(), c.v.Minor(), c.v.Patch(), "", "")
			next := release.IncPatch()
			candidates = append(candidates, release, &next)
		}
	}
	for _, v := range candidates {
		if v.Prerelease() == "" && !v.LessThan(lo) && v.LessThan(hi) && r.test(v) {
			return true, nil
		}
	}
	return false, nil
}
