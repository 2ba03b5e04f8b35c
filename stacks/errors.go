package stacks

import (
	"strconv"
	"strings"
)

// ResolveError reports a version request that selects nothing: it could not
// be parsed, or it matches no version the stack offers. It is a user
// mistake, never a bug; Error gives one sentence, Hint what to do about it.
type ResolveError struct {
	// Component is the program's display name: "Node.js", "PHP", "nginx" or
	// "Composer".
	Component string
	// Request is the request as the user wrote it.
	Request string
	// Source names where the request was read, e.g. "package.json
	// engines.node"; may be empty.
	Source string
	// Stack is the stack the request was resolved against.
	Stack string
	// Available lists what the stack offers (see Stack.Available).
	Available string
	// Reason says what is wrong, worded to follow the request, e.g.
	// "matches no version available" or "could not be parsed: ...".
	Reason string
	// Unparsable is true when the request could not be parsed at all.
	Unparsable bool
	// Hint says what to do about it, e.g. which request would work.
	Hint string
}

// Error implements error. Examples:
//
//	Node.js version "^30" requested in package.json engines.node matches no version available on scalingo-26 (available: 22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0))
//	Node.js version "stable" requested in package.json engines.node could not be parsed: ... (available on scalingo-26: 22 LTS (up to 22.23.1), ...)
func (e *ResolveError) Error() string {
	var b strings.Builder
	b.WriteString(e.Component)
	b.WriteString(" version ")
	b.WriteString(quote(e.Request))
	b.WriteString(" requested")
	if e.Source != "" {
		b.WriteString(" in ")
		b.WriteString(e.Source)
	}
	b.WriteString(" ")
	b.WriteString(e.Reason)
	if e.Unparsable {
		b.WriteString(" (available on " + e.Stack + ": " + e.Available + ")")
	} else {
		b.WriteString(" on " + e.Stack + " (available: " + e.Available + ")")
	}
	return b.String()
}

// quote wraps s in double quotes without escaping, so that a request such
// as `>=22 <25` reads the way the user wrote it. Control characters, which
// no sane request holds, are shown as Go escapes.
func quote(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}
