package stacks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/Masterminds/semver/v3"
)

// This file is a port of the range grammar of npm's `semver` package (v7,
// non-loose, includePrerelease off), which is what npm applies to
// package.json "engines". It follows the package's own pipeline (hyphen
// ranges, whitespace trimming, then caret, tilde, x-range and star
// rewriting of each comparator) so that odd inputs fail or succeed exactly
// as they do for npm; the differential test in npm_differential_test.go
// checks it against the real package.
//
// Masterminds/semver's own constraint parser is not used for ranges because
// it differs from npm in ways that matter here: a lone `1.2` comparator,
// `>1.2` (npm: >=1.3.0), whitespace inside comparators (`>= 1.2`), empty
// `||` alternatives and prerelease matching. Its Version type is used for
// the versions themselves (parsing and precedence).

// Regular expression sources, as in semver's internal/re.js, in the "safe"
// form the package actually uses (`\s*` there is `\s{0,1}`, `\s+` is `\s`;
// whitespace has been collapsed to single spaces beforehand).
const (
	npmNumericID    = `0|[1-9]\d*`
	npmNonNumericID = `\d*[a-zA-Z-][a-zA-Z0-9-]*`
	npmPreID        = `(?:` + npmNonNumericID + `|` + npmNumericID + `)`
	npmPreIDLoose   = `(?:` + npmNonNumericID + `|\d+)`
	npmPrerelease   = `(?:-(` + npmPreID + `(?:\.` + npmPreID + `)*))`
	npmPreLoose     = `(?:-?(` + npmPreIDLoose + `(?:\.` + npmPreIDLoose + `)*))`
	npmBuildID      = `[0-9A-Za-z-]+`
	npmBuild        = `(?:\+(` + npmBuildID + `(?:\.` + npmBuildID + `)*))`
	npmMainVersion  = `(` + npmNumericID + `)\.(` + npmNumericID + `)\.(` + npmNumericID + `)`
	npmFullPlain    = `v?` + npmMainVersion + npmPrerelease + `?` + npmBuild + `?`
	npmLoosePlain   = `[v=\s]*(\d+)\.(\d+)\.(\d+)` + npmPreLoose + `?` + npmBuild + `?`
	npmGTLT         = `((?:<|>)?=?)`
	npmXRangeID     = npmNumericID + `|x|X|\*`
	npmXRangePlain  = `[v=\s]*(` + npmXRangeID + `)(?:\.(` + npmXRangeID + `)(?:\.(` + npmXRangeID + `)(?:` +
		npmPrerelease + `)?` + npmBuild + `?)?)?`
)

// Compiled once at package initialisation; regexps are read-only.
var (
	npmBuildStripRE     = regexp.MustCompile(npmBuild)
	npmHyphenRE         = regexp.MustCompile(`^\s?(` + npmXRangePlain + `)\s-\s(` + npmXRangePlain + `)\s?$`)
	npmComparatorTrimRE = regexp.MustCompile(`(\s?)` + npmGTLT + `\s?(` + npmLoosePlain + `|` + npmXRangePlain + `)`)
	npmTildeTrimRE      = regexp.MustCompile(`(\s?)(?:~>?)\s`)
	npmCaretTrimRE      = regexp.MustCompile(`(\s?)(?:\^)\s`)
	npmTildeRE          = regexp.MustCompile(`^(?:~>?)` + npmXRangePlain + `$`)
	npmCaretRE          = regexp.MustCompile(`^(?:\^)` + npmXRangePlain + `$`)
	npmXRangeRE         = regexp.MustCompile(`^` + npmGTLT + `\s?` + npmXRangePlain + `$`)
	npmStarRE           = regexp.MustCompile(`(<|>)?=?\s?\*`)
	npmGTE0RE           = regexp.MustCompile(`^\s?>=\s?0\.0\.0\s?$`)
	npmComparatorRE     = regexp.MustCompile(`^` + npmGTLT + `\s?(` + npmFullPlain + `)$|^$`)
	npmFullRE           = regexp.MustCompile(`^` + npmFullPlain + `$`)
	npmSpacesRE         = regexp.MustCompile(`\s+`)
)

// npmMaxLength and npmMaxSafeInteger are semver's limits on a version.
const (
	npmMaxLength      = 256
	npmMaxSafeInteger = 1<<53 - 1
)

// npmComparator is one comparison, e.g. ">=22.4.0"; a nil version means
// "any version" (semver's ANY).
type npmComparator struct {
	op string // "", "<", "<=", ">", ">="
	v  *semver.Version
}

// npmRange is a union (||) of intersections (space) of comparators.
type npmRange [][]npmComparator

// ValidNpmRange returns an error naming what cannot be read when s is not
// a range npm's semver package accepts.
func ValidNpmRange(s string) error {
	_, err := parseNpmRange(s)
	return err
}

// parseNpmRange parses an npm semver range. Errors name the part that could
// not be read.
func parseNpmRange(input string) (npmRange, error) {
	raw := collapseJSSpace(trimJSSpace(input))
	var r npmRange
	for _, alt := range strings.Split(raw, "||") {
		set, err := parseNpmSet(trimJSSpace(alt))
		if err != nil {
			return nil, err
		}
		if len(set) > 0 {
			r = append(r, set)
		}
	}
	if len(r) == 0 {
		return nil, fmt.Errorf("%q is not a version range", input)
	}
	return r, nil
}

// parseNpmSet parses one ||-alternative into its comparators.
func parseNpmSet(s string) ([]npmComparator, error) {
	s = npmBuildStripRE.ReplaceAllString(s, "")
	if m := npmHyphenRE.FindStringSubmatch(s); m != nil {
		s = npmHyphenReplace(m)
	}
	s = npmComparatorTrimRE.ReplaceAllString(s, "$1$2$3")
	s = npmTildeTrimRE.ReplaceAllString(s, "${1}~")
	s = npmCaretTrimRE.ReplaceAllString(s, "${1}^")

	words := strings.Split(s, " ")
	for i, w := range words {
		words[i] = npmDesugar(w)
	}
	var set []npmComparator
	for _, c := range npmSpacesRE.Split(strings.Join(words, " "), -1) {
		if npmGTE0RE.MatchString(trimJSSpace(c)) {
			c = ""
		}
		comp, err := parseNpmComparator(c)
		if err != nil {
			return nil, err
		}
		set = append(set, comp)
	}
	return set, nil
}

// npmDesugar rewrites one word of a range (`^22.4`, `~22`, `22.x`, `*`)
// into plain comparators, as semver's parseComparator does.
func npmDesugar(w string) string {
	w = mapWords(w, true, npmReplaceCaret)
	w = mapWords(w, true, npmReplaceTilde)
	w = mapWords(w, false, npmReplaceXRange)
	w = trimJSSpace(w)
	if loc := npmStarRE.FindStringIndex(w); loc != nil {
		w = w[:loc[0]] + w[loc[1]:]
	}
	return w
}

// mapWords applies f to each whitespace-separated word of s (after trimming
// s when trim is set) and joins the results with single spaces, like
// `s.trim().split(/\s+/).map(f).join(' ')` in JavaScript.
func mapWords(s string, trim bool, f func(string) string) string {
	if trim {
		s = trimJSSpace(s)
	}
	words := npmSpacesRE.Split(s, -1)
	for i, w := range words {
		words[i] = f(w)
	}
	return strings.Join(words, " ")
}

// npmIsX reports whether a captured version part is a wildcard (or absent).
func npmIsX(id string) bool {
	return id == "" || id == "x" || id == "X" || id == "*"
}

// npmInc returns the decimal number id plus one. id comes from a regexp
// group of digits; an absurdly long one yields a number past semver's limit
// so that the comparator is rejected later, as in JavaScript.
func npmInc(id string) string {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n >= npmMaxSafeInteger {
		return strconv.FormatUint(npmMaxSafeInteger+1, 10)
	}
	return strconv.FormatUint(n+1, 10)
}

// npmReplaceCaret: ^1.2.3 → >=1.2.3 <2.0.0-0, ^0.2.3 → >=0.2.3 <0.3.0-0, ...
func npmReplaceCaret(c string) string {
	m := npmCaretRE.FindStringSubmatch(c)
	if m == nil {
		return c
	}
	M, mi, p, pr := m[1], m[2], m[3], m[4]
	switch {
	case npmIsX(M):
		return ""
	case npmIsX(mi):
		return ">=" + M + ".0.0 <" + npmInc(M) + ".0.0-0"
	case npmIsX(p):
		if M == "0" {
			return ">=" + M + "." + mi + ".0 <" + M + "." + npmInc(mi) + ".0-0"
		}
		return ">=" + M + "." + mi + ".0 <" + npmInc(M) + ".0.0-0"
	}
	low := ">=" + M + "." + mi + "." + p
	if pr != "" {
		low += "-" + pr
	}
	switch {
	case M == "0" && mi == "0":
		return low + " <" + M + "." + mi + "." + npmInc(p) + "-0"
	case M == "0":
		return low + " <" + M + "." + npmInc(mi) + ".0-0"
	}
	return low + " <" + npmInc(M) + ".0.0-0"
}

// npmReplaceTilde: ~1.2.3 → >=1.2.3 <1.3.0-0, ~1.2 → >=1.2.0 <1.3.0-0, ~1 → >=1.0.0 <2.0.0-0.
func npmReplaceTilde(c string) string {
	m := npmTildeRE.FindStringSubmatch(c)
	if m == nil {
		return c
	}
	M, mi, p, pr := m[1], m[2], m[3], m[4]
	switch {
	case npmIsX(M):
		return ""
	case npmIsX(mi):
		return ">=" + M + ".0.0 <" + npmInc(M) + ".0.0-0"
	case npmIsX(p):
		return ">=" + M + "." + mi + ".0 <" + M + "." + npmInc(mi) + ".0-0"
	case pr != "":
		return ">=" + M + "." + mi + "." + p + "-" + pr + " <" + M + "." + npmInc(mi) + ".0-0"
	}
	return ">=" + M + "." + mi + "." + p + " <" + M + "." + npmInc(mi) + ".0-0"
}

// npmReplaceXRange: 1.x → >=1.0.0 <2.0.0-0, >1.2 → >=1.3.0, <=1 → <2.0.0-0, * → *.
func npmReplaceXRange(c string) string {
	c = trimJSSpace(c)
	m := npmXRangeRE.FindStringSubmatch(c)
	if m == nil {
		return c
	}
	gtlt, M, mi, p := m[1], m[2], m[3], m[4]
	if (npmIsX(M) && !npmIsX(mi)) || (npmIsX(mi) && p != "" && !npmIsX(p)) {
		return c // e.g. x.2: left for the comparator parser to reject
	}
	xM := npmIsX(M)
	xm := xM || npmIsX(mi)
	xp := xm || npmIsX(p)
	if gtlt == "=" && xp {
		gtlt = ""
	}
	switch {
	case xM:
		if gtlt == ">" || gtlt == "<" {
			return "<0.0.0-0" // nothing is allowed
		}
		return "*"
	case gtlt != "" && xp:
		if xm {
			mi = "0"
		}
		p = "0"
		switch gtlt {
		case ">":
			gtlt = ">="
			if xm {
				M, mi = npmInc(M), "0"
			} else {
				mi = npmInc(mi)
			}
		case "<=":
			gtlt = "<"
			if xm {
				M = npmInc(M)
			} else {
				mi = npmInc(mi)
			}
		}
		pr := ""
		if gtlt == "<" {
			pr = "-0"
		}
		return gtlt + M + "." + mi + "." + p + pr
	case xm:
		return ">=" + M + ".0.0 <" + npmInc(M) + ".0.0-0"
	case xp:
		return ">=" + M + "." + mi + ".0 <" + M + "." + npmInc(mi) + ".0-0"
	}
	return c
}

// npmHyphenReplace: `1.2 - 3.4` → `>=1.2.0 <3.5.0-0`, `1.2.3 - 3.4.5` → `>=1.2.3 <=3.4.5`.
func npmHyphenReplace(m []string) string {
	from, fM, fm, fp := m[1], m[2], m[3], m[4]
	to, tM, tm, tp, tpr := m[7], m[8], m[9], m[10], m[11]
	switch {
	case npmIsX(fM):
		from = ""
	case npmIsX(fm):
		from = ">=" + fM + ".0.0"
	case npmIsX(fp):
		from = ">=" + fM + "." + fm + ".0"
	default:
		from = ">=" + from
	}
	switch {
	case npmIsX(tM):
		to = ""
	case npmIsX(tm):
		to = "<" + npmInc(tM) + ".0.0-0"
	case npmIsX(tp):
		to = "<" + tM + "." + npmInc(tm) + ".0-0"
	case tpr != "":
		to = "<=" + tM + "." + tm + "." + tp + "-" + tpr
	default:
		to = "<=" + to
	}
	return trimJSSpace(from + " " + to)
}

// parseNpmComparator parses a desugared comparator such as ">=22.4.0" or
// "" (any version).
func parseNpmComparator(c string) (npmComparator, error) {
	c = collapseJSSpace(trimJSSpace(c))
	m := npmComparatorRE.FindStringSubmatch(c)
	if m == nil {
		return npmComparator{}, fmt.Errorf("%q is not a valid version or comparator", c)
	}
	op := m[1]
	if op == "=" {
		op = ""
	}
	if m[2] == "" {
		return npmComparator{op: op}, nil
	}
	v, err := parseNpmVersion(m[2])
	if err != nil {
		return npmComparator{}, err
	}
	return npmComparator{op: op, v: v}, nil
}

// parseNpmVersion parses a full version (`v22.4.0`, `22.4.0-rc.1+b`) with
// semver's strict rules and limits.
func parseNpmVersion(s string) (*semver.Version, error) {
	s = trimJSSpace(s)
	if len(s) > npmMaxLength {
		return nil, fmt.Errorf("version %.20q... is longer than %d characters", s, npmMaxLength)
	}
	m := npmFullRE.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("%q is not a valid version", s)
	}
	var parts [3]uint64
	for i := range parts {
		n, err := strconv.ParseUint(m[i+1], 10, 64)
		if err != nil || n > npmMaxSafeInteger {
			return nil, fmt.Errorf("%q has a version number that is too large", s)
		}
		parts[i] = n
	}
	return semver.New(parts[0], parts[1], parts[2], m[4], ""), nil
}

// test reports whether v satisfies the comparator.
func (c npmComparator) test(v *semver.Version) bool {
	if c.v == nil {
		return true
	}
	d := v.Compare(c.v)
	switch c.op {
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	}
	return d == 0
}

// test reports whether v satisfies the range (semver.satisfies).
func (r npmRange) test(v *semver.Version) bool {
	for _, set := range r {
		if npmTestSet(set, v) {
			return true
		}
	}
	return false
}

// npmTestSet applies one intersection of comparators, with semver's rule
// that a prerelease only matches a comparator set naming a prerelease of
// the same major.minor.patch.
func npmTestSet(set []npmComparator, v *semver.Version) bool {
	for _, c := range set {
		if !c.test(v) {
			return false
		}
	}
	if v.Prerelease() == "" {
		return true
	}
	for _, c := range set {
		if c.v != nil && c.v.Prerelease() != "" &&
			c.v.Major() == v.Major() && c.v.Minor() == v.Minor() && c.v.Patch() == v.Patch() {
			return true
		}
	}
	return false
}

// isJSSpace reports whether r is whitespace for JavaScript's \s and trim.
func isJSSpace(r rune) bool {
	switch r {
	case '\u0085':
		return false // not JavaScript whitespace, though unicode.IsSpace says so
	case '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}

// trimJSSpace is JavaScript's String.prototype.trim.
func trimJSSpace(s string) string { return strings.TrimFunc(s, isJSSpace) }

// collapseJSSpace replaces each run of whitespace with one space, like
// `s.replace(/\s+/g, ' ')`.
func collapseJSSpace(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return isJSSpace(r) && r != ' ' }) &&
		!strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if isJSSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
