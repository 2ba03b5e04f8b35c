package stacks

import (
	"errors"
	"strings"
)

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// assertAs is errors.As without the test failing when it does not match.
func assertAs(err error, target **ResolveError) bool {
	return errors.As(err, target)
}
