package stacks

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResolveErrorMessage(t *testing.T) {
	e := &ResolveError{
		Component: "PHP", Request: ">=9", Source: "PHP_VERSION", Stack: "scalingo-24",
		Available: "8.4 (up to 8.4.22)", Reason: "matches no version available",
	}
	assert.Equal(t, `PHP version ">=9" requested in PHP_VERSION matches no version available on scalingo-24 (available: 8.4 (up to 8.4.22))`, e.Error())

	e.Source = ""
	e.Unparsable = true
	e.Reason = "could not be parsed as a Composer version constraint: bad"
	assert.Equal(t, `PHP version ">=9" requested could not be parsed as a Composer version constraint: bad (available on scalingo-24: 8.4 (up to 8.4.22))`, e.Error())

	e.Request = "8.4\n"
	assert.Contains(t, e.Error(), `PHP version "8.4\n" requested`)

	wrapped := fmt.Errorf("planning: %w", e)
	var re *ResolveError
	assert.ErrorAs(t, wrapped, &re)
}
