package nodejs

import (
	_ "embed"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

//go:embed data/npm-bundled.txt
var bundledNPMData string

// bundledNPM returns the npm version that ships with Node.js nodeVersion, or
// "" when the table does not know the release.
func bundledNPM(nodeVersion string) string {
	for _, line := range strings.Split(bundledNPMData, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		node, npm, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && node == nodeVersion {
			return npm
		}
	}
	return ""
}

var (
	changelogAnchor = regexp.MustCompile(`^<a id="(\d+\.\d+\.\d+)"></a>`)
	changelogNPM    = regexp.MustCompile(`upgrade npm to (\d+\.\d+\.\d+)`)
)

// bundledNPMFromChangelog derives the npm version bundled with nodeVersion
// from a Node.js line's CHANGELOG.md (newest release first): the highest
// "upgrade npm to X" in the release's section or, when that section has none,
// in the nearest older section that has one. It returns "" when unknown.
func bundledNPMFromChangelog(changelog, nodeVersion string) string {
	best := ""
	inRelease := false
	for _, line := range strings.Split(changelog, "\n") {
		if m := changelogAnchor.FindStringSubmatch(line); m != nil {
			if best != "" {
				return best
			}
			inRelease = inRelease || m[1] == nodeVersion
			continue
		}
		if !inRelease {
			continue
		}
		if m := changelogNPM.FindStringSubmatch(line); m != nil && newerVersion(m[1], best) {
			best = m[1]
		}
	}
	return best
}

// newerVersion reports whether a is a higher semantic version than b ("" is
// lower than anything).
func newerVersion(a, b string) bool {
	if b == "" {
		return true
	}
	va, errA := semver.NewVersion(a)
	vb, errB := semver.NewVersion(b)
	if errA != nil || errB != nil {
		return false
	}
	return va.GreaterThan(vb)
}
