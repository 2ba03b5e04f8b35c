package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNpmRangeReaches(t *testing.T) {
	for _, tc := range []struct {
		rng  string
		want bool
	}{
		{"11.x", true},
		{"11", true},
		{"^11.5.0", true},
		{">=10", true},
		{"*", true},
		{"latest || 11.12.0", false}, // "latest" is no range: the error case below
		{"11.12.1", true},
		{"~11.12.0", true},
		{">11.12.3 <11.13", true},
		{"11.10.x", false},
		{"~11.10.0", false},
		{"<=11.10.9", false},
		{"<11.11.0", false},
		{"10.x", false},
		{"12.x", false},
		{"^12.0.0", false},
		{"10.x || 11.11.0", true},
		{">11.10.999", true},
		{"11.11.0-rc.1", false},
		{">=11.11.0-rc.1 <11.11.0", false},
		{">=11.11.0-rc.1", true},
	} {
		t.Run(tc.rng, func(t *testing.T) {
			got, err := NpmRangeReaches(tc.rng, "11.11.0", "12.0.0")
			if tc.rng == "latest || 11.12.0" {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := NpmRangeReaches("11.x", "eleven", "12.0.0")
	assert.Error(t, err)
}
