package stacks

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ResolveNode selects the Node.js version for a request, as npm reads
// package.json engines.node, plus the aliases found in .nvmrc files:
//
//   - "" selects the newest version of the default line (Component.Default).
//   - An npm range (`24`, `24.x`, `^22.4`, `~22.4`, `>=22 <25`, `22 || 24`,
//     `22 - 24`, `v22.1.0`, `=v22.1.0`, `>= v10`, `*`) selects the newest
//     available version it satisfies; `latest` means `*` and `~=22.4` means
//     `~22.4`. An exact version resolves only if that release is available.
//   - `node` selects the newest available version, `lts/*` the newest
//     version of the newest LTS line, `lts/<codename>` (e.g. `lts/jod`,
//     `lts/krypton`, any case) the newest version of that line.
//
// A range is wide when it also admits (major+1).0.0 or (major-1).0.0 of the
// version it selected. When a wide range selects a version above the default
// (LTS) line, the selection is clamped to the newest version of that line the
// range allows, unless allowWideRange (NODEJS_ALLOW_WIDE_RANGE=true) is set.
// Wide ranges always get a warning. A request that cannot be parsed or
// matches nothing gives a *ResolveError; there is no silent fallback.
func (s *Stack) ResolveNode(r Request, allowWideRange bool) (Resolution, error) {
	versions, err := s.Node.parsed(componentNode)
	if err != nil {
		return Resolution{}, fmt.Errorf("resolving Node.js on %s: %w", s.Name, err)
	}
	req := trimJSSpace(r.Value)
	if req == "" {
		def := s.Node.line(s.Node.Default)
		return Resolution{Version: def.Newest(), Line: def.Name}, nil
	}
	if res, ok, err := s.resolveNodeAlias(r, req, versions); ok {
		return res, err
	}

	expr := req
	switch {
	case strings.EqualFold(req, "latest"):
		expr = "*"
	case strings.HasPrefix(req, "~="):
		expr = "~" + req[2:]
	}
	rng, err := parseNpmRange(expr)
	if err != nil {
		e := s.nodeError(r, "could not be parsed as an npm version range: "+err.Error())
		e.Unparsable = true
		e.Hint = fmt.Sprintf(`Write a range such as "%s.x", "^%s" or ">=%s", or an alias such as "lts/*" or "node", in %s.`,
			s.Node.Default, s.Node.Default, s.Node.Default, sourceOr(r, "the request"))
		return Resolution{}, e
	}
	best := highest(versions, func(tv tableVersion) bool { return rng.test(tv.v) })
	if best == nil {
		return Resolution{}, s.nodeError(r, "matches no version available")
	}
	res := Resolution{Version: best.raw, Line: best.line.Name}

	major := best.v.Major()
	wide := rng.test(semver.New(major+1, 0, 0, "", "")) ||
		(major > 0 && rng.test(semver.New(major-1, 0, 0, "", "")))
	if !wide {
		return res, nil
	}
	lts := s.Node.line(s.Node.Default)
	ltsNewest := highest(versions, onLine(lts))
	above := ltsNewest != nil && best.v.GreaterThan(ltsNewest.v)
	if above && !allowWideRange {
		clamp := highest(versions, func(tv tableVersion) bool { return tv.line == lts && rng.test(tv.v) })
		if clamp != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"Node.js version range %s allows several major versions, so kiln limited it to the %s line and installs %s instead of %s. "+
					"Pin one major version (for example %q), or set NODEJS_ALLOW_WIDE_RANGE=true to install the newest version the range allows.",
				described(r), lineTitle(lts), clamp.raw, best.raw, lts.Name+".x"))
			res.Version, res.Line = clamp.raw, clamp.line.Name
			return res, nil
		}
	}
	if above && allowWideRange {
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"Node.js version range %s allows several major versions; as NODEJS_ALLOW_WIDE_RANGE=true, kiln installs %s, the newest it allows, "+
				"and a later build may move to another major version. Pin one major version (for example %q) to avoid surprises.",
			described(r), best.raw, best.line.Name+".x"))
		return res, nil
	}
	res.Warnings = append(res.Warnings, fmt.Sprintf(
		"Node.js version range %s allows several major versions, so a later build may move to another one without notice; "+
			"pin the major version you test with (for example %q).",
		described(r), best.line.Name+".x"))
	return res, nil
}

// resolveNodeAlias handles the nvm aliases `node`, `lts/*` and
// `lts/<codename>`; ok is false when req is not one of them.
func (s *Stack) resolveNodeAlias(r Request, req string, versions []tableVersion) (res Resolution, ok bool, err error) {
	lower := strings.ToLower(req)
	var l *Line
	switch {
	case lower == "node":
		best := highest(versions, func(tableVersion) bool { return true })
		return Resolution{Version: best.raw, Line: best.line.Name}, true, nil
	case lower == "lts/*":
		for i := range s.Node.Lines {
			c := &s.Node.Lines[i]
			if strings.EqualFold(c.Label, "LTS") && (l == nil || newer(versions, c, l)) {
				l = c
			}
		}
	case strings.HasPrefix(lower, "lts/"):
		for i := range s.Node.Lines {
			if c := &s.Node.Lines[i]; c.Codename != "" && strings.EqualFold(c.Codename, lower[len("lts/"):]) {
				l = c
			}
		}
	default:
		return Resolution{}, false, nil
	}
	if l == nil {
		e := s.nodeError(r, "names an LTS line that is not available")
		e.Hint = "Use " + s.ltsAliases() + `, or a version range such as "` + s.Node.Default + `.x".`
		return Resolution{}, true, e
	}
	return Resolution{Version: l.Newest(), Line: l.Name}, true, nil
}

// newer reports whether line a's newest version is above line b's.
func newer(versions []tableVersion, a, b *Line) bool {
	na, nb := highest(versions, onLine(a)), highest(versions, onLine(b))
	return na != nil && (nb == nil || na.v.GreaterThan(nb.v))
}

// ltsAliases lists the LTS aliases the stack answers, e.g.
// `"lts/*", "lts/jod" (22) or "lts/krypton" (24)`.
func (s *Stack) ltsAliases() string {
	names := []string{`"lts/*"`}
	for _, l := range s.Node.Lines {
		if l.Codename != "" {
			names = append(names, fmt.Sprintf(`"lts/%s" (%s)`, l.Codename, l.Name))
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// nodeError builds the ResolveError for a Node.js request.
func (s *Stack) nodeError(r Request, reason string) *ResolveError {
	return &ResolveError{
		Component: "Node.js",
		Request:   r.Value,
		Source:    r.Source,
		Stack:     s.Name,
		Available: s.Node.available(),
		Reason:    reason,
		Hint: fmt.Sprintf("Change %s to a range that includes an available version, for example %q.",
			sourceOr(r, "the request"), s.Node.Default+".x"),
	}
}

// described renders a request and its source for a warning, e.g.
// `">=22" (package.json engines.node)`.
func described(r Request) string {
	if r.Source == "" {
		return quote(r.Value)
	}
	return quote(r.Value) + " (" + r.Source + ")"
}

// sourceOr returns the request's source, or fallback when it has none.
func sourceOr(r Request, fallback string) string {
	if r.Source == "" {
		return fallback
	}
	return r.Source
}

// lineTitle names a line with its label, e.g. "24 LTS".
func lineTitle(l *Line) string {
	if l.Label == "" {
		return l.Name
	}
	return l.Name + " " + l.Label
}
