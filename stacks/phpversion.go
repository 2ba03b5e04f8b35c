package stacks

import (
	"strconv"
	"strings"
)

// This file ports PHP's version_compare (ext/standard/versioning.c), which
// composer/semver uses to compare normalized versions such as "8.4.2.0" or
// "8.4.0.0-dev".

// phpCanonicalize inserts '.' between runs of digits and non-digits and
// turns '-', '_', '+' and other non-alphanumerics into '.', never doubling
// a '.'. The first character is kept as is.
func phpCanonicalize(v string) string {
	if v == "" {
		return ""
	}
	isDig := func(c byte) bool { return c >= '0' && c <= '9' }
	isNDig := func(c byte) bool { return !isDig(c) && c != '.' }
	isAlnum := func(c byte) bool { return isDig(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') }
	q := make([]byte, 0, 2*len(v))
	q = append(q, v[0])
	lp := v[0]
	for i := 1; i < len(v); i++ {
		p := v[i]
		lq := q[len(q)-1]
		switch {
		case p == '-' || p == '_' || p == '+':
			if lq != '.' {
				q = append(q, '.')
			}
		case (isNDig(lp) && isDig(p)) || (isDig(lp) && isNDig(p)):
			if lq != '.' {
				q = append(q, '.')
			}
			q = append(q, p)
		case !isAlnum(p):
			if lq != '.' {
				q = append(q, '.')
			}
		default:
			q = append(q, p)
		}
		lp = p
	}
	return string(q)
}

// phpSpecialForm orders the special words of a version: dev < alpha = a <
// beta = b < RC = rc < number < pl = p; anything else sorts first. Like PHP,
// a word matches a form it starts with ("patch" is "p").
func phpSpecialForm(s string) int {
	for _, f := range []struct {
		name  string
		order int
	}{
		{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
		{"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5},
	} {
		if strings.HasPrefix(s, f.name) {
			return f.order
		}
	}
	return -1
}

func sign(d int) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

// phpNumber is C's strtol on a run of digits, saturating on overflow.
func phpNumber(s string) int64 {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil && end > 0 {
		return 1<<63 - 1
	}
	return n
}

func isDigitAt(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// phpVersionCompare is PHP's version_compare(a, b): -1, 0 or 1.
func phpVersionCompare(a, b string) int {
	if a == "" || b == "" {
		switch {
		case a == "" && b == "":
			return 0
		case a != "":
			return 1
		}
		return -1
	}
	if a[0] != '#' {
		a = phpCanonicalize(a)
	}
	if b[0] != '#' {
		b = phpCanonicalize(b)
	}
	// p1 and p2 start at the current segments; more1 and more2 record
	// whether the previous segment ended with a '.', as C's n1 and n2 do.
	p1, p2 := a, b
	more1, more2 := true, true
	compare := 0
	for p1 != "" && p2 != "" && more1 && more2 {
		s1, r1, f1 := strings.Cut(p1, ".")
		s2, r2, f2 := strings.Cut(p2, ".")
		more1, more2 = f1, f2
		switch d1, d2 := isDigitAt(s1), isDigitAt(s2); {
		case d1 && d2:
			n1, n2 := phpNumber(s1), phpNumber(s2)
			switch {
			case n1 < n2:
				compare = -1
			case n1 > n2:
				compare = 1
			}
		case !d1 && !d2:
			compare = sign(phpSpecialForm(s1) - phpSpecialForm(s2))
		case d1:
			compare = sign(phpSpecialForm("#N#") - phpSpecialForm(s2))
		default:
			compare = sign(phpSpecialForm(s1) - phpSpecialForm("#N#"))
		}
		if compare != 0 {
			return compare
		}
		if more1 {
			p1 = r1
		}
		if more2 {
			p2 = r2
		}
	}
	switch {
	case more1:
		if isDigitAt(p1) {
			return 1
		}
		return phpVersionCompare(p1, "#N#")
	case more2:
		if isDigitAt(p2) {
			return -1
		}
		return phpVersionCompare("#N#", p2)
	}
	return 0
}

// phpVersionCompareOp is version_compare(a, b, op) for Composer's operators.
func phpVersionCompareOp(a, b, op string) bool {
	c := phpVersionCompare(a, b)
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "!=", "<>":
		return c != 0
	}
	return c == 0 // "=", "=="
}
