package stacks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// This file ports the constraint grammar of composer/semver (VersionParser
// normalize / parseConstraints / parseConstraint and Constraint matching,
// as shipped with Composer 2): `||` and `|` are OR, `,` and spaces AND,
// `~8.4` means >=8.4 <9.0, `~8.4.2` >=8.4.2 <8.5, a bare `8.3` is exactly
// 8.3.0, `8.2 - 8.4` is >=8.2 <8.5, stability flags (`@dev`) and `-dev`
// suffixes are understood. Versions compare with PHP's version_compare.
// The differential test in composer_differential_test.go checks it against
// the real library.

// Regular expression sources from VersionParser. Possessive quantifiers of
// the PCRE originals are plain here: none of them can change a match. PCRE's
// \s also matches a vertical tab, Go's does not: pcreSpace is PCRE's set,
// for use inside a character class.
const (
	pcreSpace           = `\t\n\v\f\r `
	composerModifier    = `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?`
	composerStabilities = `stable|RC|beta|alpha|dev`
	composerVersion     = `v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:` + composerModifier + `|\.([xX*][.-]?dev))(?:\+[^` + pcreSpace + `]+)?`
)

// Compiled once at package initialisation; regexps are read-only.
var (
	composerAliasRE      = regexp.MustCompile(`^([^,` + pcreSpace + `]+) +as +([^,` + pcreSpace + `]+)$`)
	composerFlagSuffixRE = regexp.MustCompile(`(?i)@(?:` + composerStabilities + `)$`)
	composerBuildMetaRE  = regexp.MustCompile(`^([^,+` + pcreSpace + `]+)\+[^` + pcreSpace + `]+$`)
	composerClassicalRE  = regexp.MustCompile(`(?i)^v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + composerModifier + `$`)
	composerDateRE       = regexp.MustCompile(`(?i)^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)` + composerModifier + `$`)
	composerDevBranchRE  = regexp.MustCompile(`(?i)^(.*?)[.-]?dev$`)
	composerBranchRE     = regexp.MustCompile(`(?i)^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$`)
	composerNonDigitRE   = regexp.MustCompile(`\D`)
	composerOrRE         = regexp.MustCompile(`[` + pcreSpace + `]*\|\|?[` + pcreSpace + `]*`)
	composerFlagRE       = regexp.MustCompile(`(?i)^([^,` + pcreSpace + `]*?)@(` + composerStabilities + `)$`)
	composerRefRE        = regexp.MustCompile(`(?i)^(dev-[^,@` + pcreSpace + `]+?|[^,@` + pcreSpace + `]+?\.x-dev)#.+$`)
	composerMatchAllRE   = regexp.MustCompile(`(?i)^(v)?[xX*](\.[xX*])*$`)
	composerTildeRE      = regexp.MustCompile(`(?i)^~>?` + composerVersion + `$`)
	composerCaretRE      = regexp.MustCompile(`(?i)^\^` + composerVersion + `($)`)
	composerXRangeRE     = regexp.MustCompile(`^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.[xX*])+$`)
	composerHyphenRE     = regexp.MustCompile(`(?i)^(` + composerVersion + `) +- +(` + composerVersion + `)($)`)
	composerBasicRE      = regexp.MustCompile(`^(<>|!=|>=?|<=?|==?)?[` + pcreSpace + `]*(.*)`)
	composerDevModRE     = regexp.MustCompile(`-` + composerModifier + `$`)
	composerDevNameRE    = regexp.MustCompile(`^[0-9a-zA-Z-./]+$`)
	composerStabilityRE  = regexp.MustCompile(`(?i)` + composerModifier + `(?:\+.*)?$`)
	composerPartialRE    = regexp.MustCompile(`^[vV]?\d+(?:\.\d+)?$`)
)

// composerTerm is one comparison of a normalized version, e.g. {">=",
// "8.4.0.0-dev"}; op "*" matches everything.
type composerTerm struct {
	op, version string
}

// composerConstraint is a parsed constraint: a union of intersections.
type composerConstraint [][]composerTerm

// composerParseOptions alters the grammar for kiln's own selection.
type composerParseOptions struct {
	// partialAsWildcard reads a bare `8` or `8.3` term as `8.*` / `8.3.*`
	// instead of Composer's exact 8.0.0 / 8.3.0.
	partialAsWildcard bool
}

// ComposerSatisfies reports whether version satisfies constraint with
// Composer's semantics (composer/semver's Semver::satisfies), e.g. to check
// a PHP already on the host against composer.json require.php. version is a
// Composer version string such as "8.3.12"; a distribution suffix, as in
// Ubuntu's "8.1.2-1ubuntu2.14", is not one and must be cut off first.
func ComposerSatisfies(constraint, version string) (bool, error) {
	v, err := composerNormalize(version)
	if err != nil {
		return false, fmt.Errorf("checking %q against Composer constraint %q: %w", version, constraint, err)
	}
	c, _, err := parseComposerConstraint(constraint, composerParseOptions{})
	if err != nil {
		return false, fmt.Errorf("checking %q against Composer constraint %q: %w", version, constraint, err)
	}
	return c.matches(v), nil
}

// matches reports whether the normalized version v satisfies c.
func (c composerConstraint) matches(v string) bool {
	for _, and := range c {
		ok := true
		for _, t := range and {
			if !t.matches(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// matches is Constraint::matchSpecific against the provider `== v`.
func (t composerTerm) matches(v string) bool {
	if t.op == "*" {
		return true
	}
	vBranch := strings.HasPrefix(v, "dev-")
	tBranch := strings.HasPrefix(t.version, "dev-")
	switch {
	case t.op == "!=" || t.op == "<>":
		if vBranch || tBranch {
			return v != t.version
		}
	case vBranch && tBranch:
		return (t.op == "==" || t.op == "=") && v == t.version
	case vBranch || tBranch:
		return false
	}
	return phpVersionCompareOp(v, t.version, t.op)
}

// parseComposerConstraint is VersionParser::parseConstraints. With
// opts.partialAsWildcard it also returns the bare partial versions it read
// as wildcards.
func parseComposerConstraint(s string, opts composerParseOptions) (composerConstraint, []string, error) {
	var c composerConstraint
	var partials []string
	for _, or := range composerOrRE.Split(phpTrim(s), -1) {
		var and []composerTerm
		for _, term := range composerAndSplit(or) {
			ts, partial, err := parseComposerTerm(term, opts)
			if err != nil {
				return nil, nil, err
			}
			if partial {
				partials = append(partials, term)
			}
			and = append(and, ts...)
		}
		c = append(c, and)
	}
	return c, partials, nil
}

// composerAndSplit splits an OR-alternative at commas and spaces, like
// preg_split('{(?<!^|as|[=>< ,]) *(?<!-)[, ](?!-) *(?!,|as|$)}'), which
// keeps `>= 8.2` and `8.2 - 8.4` whole. RE2 has no look-around, so this
// walks the string the way PCRE would.
func composerAndSplit(s string) []string {
	var parts []string
	last := 0
	for p := 1; p < len(s); {
		end, ok := composerAndSeparatorAt(s, p)
		if !ok {
			p++
			continue
		}
		parts = append(parts, s[last:p])
		last, p = end, end
	}
	return append(parts, s[last:])
}

// composerAndSeparatorAt tries the AND separator at position p and returns
// where the match ends.
func composerAndSeparatorAt(s string, p int) (int, bool) {
	// (?<!^|as|[=>< ,])
	if p == 0 || strings.ContainsRune("=>< ,", rune(s[p-1])) || (p >= 2 && s[p-2:p] == "as") {
		return 0, false
	}
	spaces := func(i int) int {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		return i
	}
	// " *" greedy, then backtracking: the separator sits at k.
	for k := spaces(p); k >= p; k-- {
		if k >= len(s) || (s[k] != ',' && s[k] != ' ') || s[k-1] == '-' ||
			(k+1 < len(s) && s[k+1] == '-') {
			continue
		}
		for m := spaces(k + 1); m >= k+1; m-- {
			// (?!,|as|$)
			if m == len(s) || s[m] == ',' || strings.HasPrefix(s[m:], "as") {
				continue
			}
			return m, true
		}
	}
	return 0, false
}

// parseComposerTerm is VersionParser::parseConstraint for one AND term.
// partial reports that opts.partialAsWildcard rewrote it.
func parseComposerTerm(c string, opts composerParseOptions) (terms []composerTerm, partial bool, err error) {
	orig := c
	if m := composerAliasRE.FindStringSubmatch(c); m != nil {
		c = m[1]
	}
	stabilityModifier := ""
	if m := composerFlagRE.FindStringSubmatch(c); m != nil {
		c = m[1]
		if c == "" {
			c = "*"
		}
		if m[2] != "stable" {
			stabilityModifier = m[2]
		}
	}
	if m := composerRefRE.FindStringSubmatch(c); m != nil {
		c = m[1]
	}
	if opts.partialAsWildcard {
		if composerPartialRE.MatchString(c) {
			c = strings.TrimLeft(c, "vV") + ".*"
			partial = true
		}
	}
	if m := composerMatchAllRE.FindStringSubmatch(c); m != nil {
		if m[1] != "" || m[2] != "" {
			return []composerTerm{{">=", "0.0.0.0-dev"}}, partial, nil
		}
		return []composerTerm{{op: "*"}}, partial, nil
	}

	// Tilde range: ~8.4 is >=8.4 <9.0, ~8.4.2 is >=8.4.2 <8.5.
	if m := composerTildeRE.FindStringSubmatch(c); m != nil {
		if strings.HasPrefix(c, "~>") {
			return nil, false, composerTermError(orig, fmt.Errorf(`"~>" is not a Composer operator, use "~"`))
		}
		position := 1
		switch {
		case m[4] != "":
			position = 4
		case m[3] != "":
			position = 3
		case m[2] != "":
			position = 2
		}
		if m[8] != "" {
			position++
		}
		low, err := composerNormalize(c[1:] + composerDevSuffix(m[5], m[7], m[8]))
		if err != nil {
			return nil, false, composerTermError(orig, err)
		}
		high := composerManipulate(m[1:5], max(1, position-1), 1) + "-dev"
		return []composerTerm{{">=", low}, {"<", high}}, partial, nil
	}

	// Caret range: ^8.2 is >=8.2 <9.0, ^0.3 is >=0.3 <0.4.
	if m := composerCaretRE.FindStringSubmatch(c); m != nil {
		position := 3
		switch {
		case m[1] != "0" || m[2] == "":
			position = 1
		case m[2] != "0" || m[3] == "":
			position = 2
		}
		low, err := composerNormalize(c[1:] + composerDevSuffix(m[5], m[7], m[8]))
		if err != nil {
			return nil, false, composerTermError(orig, err)
		}
		high := composerManipulate(m[1:5], position, 1) + "-dev"
		return []composerTerm{{">=", low}, {"<", high}}, partial, nil
	}

	// X-range: 8.3.* is >=8.3 <8.4.
	if m := composerXRangeRE.FindStringSubmatch(c); m != nil {
		position := 1
		switch {
		case m[3] != "":
			position = 3
		case m[2] != "":
			position = 2
		}
		parts := []string{m[1], m[2], m[3], ""}
		low := composerManipulate(parts, position, 0) + "-dev"
		high := composerManipulate(parts, position, 1) + "-dev"
		if low == "0.0.0.0-dev" {
			return []composerTerm{{"<", high}}, partial, nil
		}
		return []composerTerm{{">=", low}, {"<", high}}, partial, nil
	}

	// Hyphen range: 8.2 - 8.4 is >=8.2 <8.5, 8.2 - 8.4.1 is >=8.2 <=8.4.1.
	if m := composerHyphenRE.FindStringSubmatch(c); m != nil {
		from, to := m[1], m[10]
		lowSuffix := ""
		if m[6] == "" && m[8] == "" && m[9] == "" {
			lowSuffix = "-dev"
		}
		low, err := composerNormalize(from)
		if err != nil {
			return nil, false, composerTermError(orig, err)
		}
		lower := composerTerm{">=", low + lowSuffix}
		if (m[12] != "" && m[13] != "") || m[15] != "" || m[17] != "" || m[18] != "" {
			high, err := composerNormalize(to)
			if err != nil {
				return nil, false, composerTermError(orig, err)
			}
			return []composerTerm{lower, {"<=", high}}, partial, nil
		}
		if _, err := composerNormalize(to); err != nil {
			return nil, false, composerTermError(orig, err)
		}
		position := 2
		if m[12] == "" {
			position = 1
		}
		high := composerManipulate(m[11:15], position, 1) + "-dev"
		return []composerTerm{lower, {"<", high}}, partial, nil
	}

	// Basic comparators: >=8.2, <8.5, !=8.3.1, 8.3.4, ==8.3.4.
	m := composerBasicRE.FindStringSubmatch(c)
	version, err := composerNormalize(m[2])
	if err != nil {
		// foobar-dev is read as dev-foobar, as Composer does.
		if strings.HasSuffix(m[2], "-dev") && composerDevNameRE.MatchString(m[2]) {
			version, err = composerNormalize("dev-" + strings.TrimSuffix(m[2], "-dev"))
		}
		if err != nil {
			return nil, false, composerTermError(orig, err)
		}
	}
	op := m[1]
	if op == "" {
		op = "="
	}
	switch {
	case op != "==" && op != "=" && stabilityModifier != "" && composerStability(version) == "stable":
		version += "-" + stabilityModifier
	case op == "<" || op == ">=":
		if !composerDevModRE.MatchString(strings.ToLower(m[2])) && !strings.HasPrefix(m[2], "dev-") {
			version += "-dev"
		}
	}
	return []composerTerm{{op, version}}, partial, nil
}

// composerDevSuffix is the "-dev" a tilde or caret lower bound gets when it
// carries no stability of its own.
func composerDevSuffix(stability, dev, xdev string) string {
	if stability == "" && dev == "" && xdev == "" {
		return "-dev"
	}
	return ""
}

func composerTermError(term string, err error) error {
	if strings.TrimSpace(term) == "" {
		return fmt.Errorf(`empty constraint (is there a "||" or "," with nothing on one side?)`)
	}
	return fmt.Errorf("%q: %w", term, err)
}

// composerManipulate is VersionParser::manipulateVersionString: parts holds
// the four version numbers (as captured, "" when absent); those after
// position become "0" and the one at position is incremented.
func composerManipulate(parts []string, position, increment int) string {
	p := make([]string, 4)
	copy(p, parts)
	for i := 4; i > 0; i-- {
		switch {
		case i > position:
			p[i-1] = "0"
		case i == position && increment != 0:
			n, _ := strconv.ParseInt(p[i-1], 10, 64) // "" counts as 0, as in PHP
			p[i-1] = strconv.FormatInt(n+int64(increment), 10)
		}
	}
	return strings.Join(p, ".")
}

// composerNormalize is VersionParser::normalize: "8.3" → "8.3.0.0",
// "v8.3.1-beta2" → "8.3.1.0-beta2", "8.3.x-dev" → "8.3.9999999.9999999-dev".
func composerNormalize(version string) (string, error) {
	version = phpTrim(version)
	orig := version
	if m := composerAliasRE.FindStringSubmatch(version); m != nil {
		version = m[1]
	}
	if loc := composerFlagSuffixRE.FindStringIndex(version); loc != nil {
		version = version[:loc[0]]
	}
	switch version {
	case "master", "trunk", "default":
		version = "dev-" + version
	}
	if len(version) >= 4 && strings.EqualFold(version[:4], "dev-") {
		return "dev-" + version[4:], nil
	}
	if m := composerBuildMetaRE.FindStringSubmatch(version); m != nil {
		version = m[1]
	}

	var m []string
	var index int
	if m = composerClassicalRE.FindStringSubmatch(version); m != nil {
		version = m[1]
		for _, part := range m[2:5] {
			if part == "" {
				part = ".0"
			}
			version += part
		}
		index = 5
	} else if m = composerDateRE.FindStringSubmatch(version); m != nil {
		version = composerNonDigitRE.ReplaceAllString(m[1], ".")
		index = 2
	}
	if m != nil {
		if m[index] != "" {
			if m[index] == "stable" {
				return version, nil
			}
			version += "-" + composerExpandStability(m[index]) + strings.TrimLeft(m[index+1], ".-")
		}
		if m[index+2] != "" {
			version += "-dev"
		}
		return version, nil
	}

	if m := composerDevBranchRE.FindStringSubmatch(version); m != nil {
		if n := composerNormalizeBranch(m[1]); !strings.Contains(n, "dev-") {
			return n, nil
		}
	}
	return "", fmt.Errorf("invalid version string %q", orig)
}

// composerNormalizeBranch is VersionParser::normalizeBranch.
func composerNormalizeBranch(name string) string {
	name = phpTrim(name)
	m := composerBranchRE.FindStringSubmatch(name)
	if m == nil {
		return "dev-" + name
	}
	v := m[1]
	for _, part := range m[2:5] {
		if part == "" {
			part = ".x"
		}
		v += strings.NewReplacer("*", "x", "X", "x").Replace(part)
	}
	return strings.ReplaceAll(v, "x", "9999999") + "-dev"
}

// composerExpandStability is VersionParser::expandStability.
func composerExpandStability(s string) string {
	switch s = strings.ToLower(s); s {
	case "a":
		return "alpha"
	case "b":
		return "beta"
	case "p", "pl":
		return "patch"
	case "rc":
		return "RC"
	}
	return s
}

// composerStability is VersionParser::parseStability for a normalized
// version.
func composerStability(version string) string {
	if i := strings.Index(version, "#"); i >= 0 && i < len(version)-1 {
		version = version[:i]
	}
	if strings.HasPrefix(version, "dev-") || strings.HasSuffix(version, "-dev") {
		return "dev"
	}
	m := composerStabilityRE.FindStringSubmatch(strings.ToLower(version))
	switch {
	case m == nil:
		return "stable"
	case m[3] != "":
		return "dev"
	case m[1] == "beta" || m[1] == "b":
		return "beta"
	case m[1] == "alpha" || m[1] == "a":
		return "alpha"
	case m[1] == "rc":
		return "RC"
	}
	return "stable"
}

// phpTrim is PHP's trim(): it strips spaces, tabs, newlines, NUL and \v.
func phpTrim(s string) string { return strings.Trim(s, " \t\n\r\x00\x0b") }
