package stacks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// tildeLineRE matches a constraint that is exactly `~X.Y` (with an optional
// stability flag), which kiln keeps on the X.Y line.
var tildeLineRE = regexp.MustCompile(`^~[vV]?(\d+)\.(\d+)(?:@(?i:stable|RC|beta|alpha|dev))?$`)

// ResolvePHP selects the PHP version for a Composer constraint, as read from
// composer.json require.php (or config.platform.php, or PHP_VERSION):
//
//   - "" selects the newest version of the default line (8.4).
//   - A constraint that is exactly `~X.Y` selects the newest X.Y release.
//     That is what the reference platform installs, and it is always inside
//     Composer's reading (>=X.Y <X+1.0); a warning says when Composer would
//     also accept newer lines. If the stack has no X.Y line, Composer's
//     reading applies, with a warning.
//   - A bare partial version term (`8.3`, `8`) is read as a wildcard
//     (`8.3.*`), with a warning, because Composer reads it as exactly 8.3.0.
//   - Otherwise, with full Composer semantics (see ComposerSatisfies), the
//     newest admitted version of the default line if the constraint admits
//     one, else the newest admitted version.
//
// A selection that leaves out newer patch releases of its line gets a
// warning. A constraint that cannot be parsed or matches nothing gives a
// *ResolveError.
func (s *Stack) ResolvePHP(r Request) (Resolution, error) {
	return s.resolveConstraint(componentPHP, r, false)
}

// ResolveNginx selects the nginx version for a Composer-style constraint
// (`1.31.*`, `~1.30`, `^1.30`, `1.30.2`), with the rules of ResolvePHP;
// "" and "default" select the newest version of the default (stable) line.
func (s *Stack) ResolveNginx(r Request) (Resolution, error) {
	return s.resolveConstraint(componentNginx, r, true)
}

// ResolveComposer selects the Composer version for a Composer-style
// constraint (`2.x`, `2.2.*`, `~2.10`, `2.10.1`), with the rules of
// ResolvePHP; "" selects the newest version of the default line.
func (s *Stack) ResolveComposer(r Request) (Resolution, error) {
	return s.resolveConstraint(componentComposer, r, false)
}

// resolveConstraint implements ResolvePHP, ResolveNginx and ResolveComposer.
func (s *Stack) resolveConstraint(id string, r Request, defaultWord bool) (Resolution, error) {
	comp, name, _ := s.component(id)
	versions, err := comp.parsed(id)
	if err != nil {
		return Resolution{}, fmt.Errorf("resolving %s on %s: %w", name, s.Name, err)
	}
	def := comp.line(comp.Default)
	req := strings.TrimSpace(r.Value)
	if req == "" || (defaultWord && strings.EqualFold(req, "default")) {
		return Resolution{Version: def.Newest(), Line: def.Name}, nil
	}

	var warnings []string
	missingLine := "" // the X.Y of a `~X.Y` request that the stack lacks
	if m := tildeLineRE.FindStringSubmatch(req); m != nil {
		major, _ := strconv.ParseUint(m[1], 10, 64)
		minor, _ := strconv.ParseUint(m[2], 10, 64)
		lineName := fmt.Sprintf("%d.%d", major, minor)
		l := comp.line(lineName)
		if l != nil {
			res := Resolution{Version: l.Newest(), Line: l.Name}
			if newer := newerLinesAccepted(versions, req, l); newer != "" {
				res.Warnings = append(res.Warnings, fmt.Sprintf(
					"%s constraint %s installs the newest %s release, %s, although Composer reads it as \">=%s <%d.0\" and would also accept %s; "+
						"write \"~%s.0\" to keep to %s explicitly, or \"^%s\" to accept newer lines.",
					name, described(r), l.Name, res.Version, l.Name, major+1, newer, l.Name, l.Name, l.Name))
			}
			return res, nil
		}
		missingLine = lineName
	}

	c, partials, err := parseComposerConstraint(req, composerParseOptions{partialAsWildcard: true})
	if err != nil {
		e := s.constraintError(id, r, "could not be parsed as a Composer version constraint: "+err.Error())
		e.Unparsable = true
		return Resolution{}, e
	}
	// Table versions are plain X.Y.Z releases: Composer normalizes them to X.Y.Z.0.
	admitted := func(tv tableVersion) bool { return c.matches(tv.raw + ".0") }
	best := highest(versions, func(tv tableVersion) bool { return tv.line == def && admitted(tv) })
	if best == nil {
		best = highest(versions, admitted)
	}
	if best == nil {
		return Resolution{}, s.constraintError(id, r, "matches no version available")
	}
	res := Resolution{Version: best.raw, Line: best.line.Name}

	if missingLine != "" {
		warnings = append(warnings, fmt.Sprintf(
			"%s constraint %s names the %s line, which %s does not offer, so kiln follows Composer's reading of it and installs %s; "+
				"require an available line, for example %q, to choose explicitly.",
			name, described(r), missingLine, s.Name, best.raw, "~"+comp.Default))
	}
	if len(partials) > 0 {
		warnings = append(warnings, partialWarning(name, r, partials, best.raw, id == componentPHP))
	}
	if newest := best.line.Newest(); best.raw != newest {
		warnings = append(warnings, fmt.Sprintf(
			"%s constraint %s selects %s, but %s is available on %s and newer patch releases carry security fixes; "+
				"allow them with a constraint such as \"~%s\".",
			name, described(r), best.raw, newest, s.Name, best.raw))
	}
	res.Warnings = warnings
	return res, nil
}

// newerLinesAccepted describes the lines above l that Composer's reading of
// the `~X.Y` constraint req also admits, e.g. "8.3 to 8.5"; "" if none.
func newerLinesAccepted(versions []tableVersion, req string, l *Line) string {
	c, _, err := parseComposerConstraint(req, composerParseOptions{})
	if err != nil {
		return ""
	}
	var lines []string
	seen := map[*Line]bool{}
	lNewest := highest(versions, onLine(l))
	for _, tv := range versions {
		if tv.line != l && !seen[tv.line] && tv.v.GreaterThan(lNewest.v) && c.matches(tv.raw+".0") {
			seen[tv.line] = true
			lines = append(lines, tv.line.Name)
		}
	}
	switch len(lines) {
	case 0:
		return ""
	case 1:
		return lines[0]
	}
	return lines[0] + " to " + lines[len(lines)-1]
}

// partialWarning explains that bare partial versions were read as wildcards.
func partialWarning(name string, r Request, partials []string, version string, isPHP bool) string {
	var reads, exact, instead []string
	for _, p := range partials {
		digits := strings.TrimLeft(p, "vV")
		reads = append(reads, fmt.Sprintf("%q as %q", p, digits+".*"))
		full := digits
		for strings.Count(full, ".") < 2 {
			full += ".0"
		}
		exact = append(exact, fmt.Sprintf("%q means exactly %s", p, full))
		instead = append(instead, fmt.Sprintf("%q", digits+".*"))
	}
	join := " and "
	if len(partials) == 1 {
		join = " or "
		if strings.Count(partials[0], ".") == 1 {
			instead = append([]string{fmt.Sprintf("%q", "~"+strings.TrimLeft(partials[0], "vV")+".0")}, instead...)
		}
	}
	refuse := ""
	if isPHP {
		refuse = " (so Composer will refuse any other PHP version)"
	}
	return fmt.Sprintf("%s constraint %s: kiln reads %s and installs %s, but in Composer's syntax %s%s; write %s instead.",
		name, described(r), strings.Join(reads, " and "), version, strings.Join(exact, " and "), refuse, strings.Join(instead, join))
}

// constraintError builds the ResolveError for a Composer-style request.
func (s *Stack) constraintError(id string, r Request, reason string) *ResolveError {
	comp, name, _ := s.component(id)
	return &ResolveError{
		Component: name,
		Request:   r.Value,
		Source:    r.Source,
		Stack:     s.Name,
		Available: comp.available(),
		Reason:    reason,
		Hint: fmt.Sprintf("Change %s to a constraint that includes an available version, for example %q.",
			sourceOr(r, "the request"), "~"+comp.Default),
	}
}
