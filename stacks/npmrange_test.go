package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNpmRange pins npm's semantics without needing npm (the differential
// test compares with the real package when it is available).
func TestNpmRange(t *testing.T) {
	for _, tc := range []struct {
		rng     string
		in, out []string
	}{
		{"24", []string{"24.0.0", "24.18.0"}, []string{"23.9.9", "25.0.0", "24.1.0-rc.1"}},
		{"24.x", []string{"24.0.0", "24.99.0"}, []string{"25.0.0-0", "25.0.0"}},
		{"*", []string{"0.0.0", "99.0.0"}, []string{"24.0.0-rc.1"}},
		{"^22.4", []string{"22.4.0", "22.23.1"}, []string{"22.3.9", "23.0.0"}},
		{"^0.2.3", []string{"0.2.3", "0.2.9"}, []string{"0.3.0"}},
		{"^0.0.3", []string{"0.0.3"}, []string{"0.0.4"}},
		{"~22.4", []string{"22.4.0", "22.4.1"}, []string{"22.5.0"}},
		{"~22", []string{"22.0.0", "22.23.1"}, []string{"23.0.0"}},
		{"~=22.4", []string{"22.4.1"}, []string{"22.5.0"}},
		{">22", []string{"23.0.0"}, []string{"22.99.0"}},             // >22 is >=23.0.0
		{">22.4", []string{"22.5.0"}, []string{"22.4.9"}},            // >22.4 is >=22.5.0
		{"<=22", []string{"22.99.0"}, []string{"23.0.0"}},            // <=22 is <23.0.0-0
		{"<22", []string{"21.99.0"}, []string{"22.0.0", "22.0.0-0"}}, // <22 is <22.0.0-0
		{">=22 <25", []string{"22.0.0", "24.99.0"}, []string{"25.0.0", "21.0.0"}},
		{">= 22 < 25", []string{"24.0.0"}, []string{"25.0.0"}},
		{"22 || 24", []string{"22.1.0", "24.1.0"}, []string{"23.0.0", "26.0.0"}},
		{"22 - 24", []string{"22.0.0", "24.99.0"}, []string{"25.0.0"}},
		{"22.4.1 - 24.1.0", []string{"22.4.1", "24.1.0"}, []string{"22.4.0", "24.1.1"}},
		{"v22.1.0", []string{"22.1.0"}, []string{"22.1.1"}},
		{"=v22.1.0", []string{"22.1.0"}, []string{"22.1.1"}},
		{">= v10", []string{"10.0.0", "26.0.0"}, []string{"9.0.0"}},
		{"22 || ", []string{"1.0.0", "26.0.0"}, nil}, // an empty alternative is "*" for npm
		{">=24.0.0-rc.1", []string{"24.0.0-rc.1", "24.0.0-rc.2", "24.0.0", "26.0.0"}, []string{"26.0.0-rc.1"}},
		{"22.0.0+build", []string{"22.0.0"}, []string{"22.0.1"}},
	} {
		t.Run(tc.rng, func(t *testing.T) {
			r, err := parseNpmRange(tc.rng)
			require.NoError(t, err)
			for _, v := range tc.in {
				pv, err := parseNpmVersion(v)
				require.NoError(t, err)
				assert.True(t, r.test(pv), "%s should satisfy %q", v, tc.rng)
			}
			for _, v := range tc.out {
				pv, err := parseNpmVersion(v)
				require.NoError(t, err)
				assert.False(t, r.test(pv), "%s should not satisfy %q", v, tc.rng)
			}
		})
	}
}

func TestNpmRangeInvalid(t *testing.T) {
	for _, rng := range []string{"stable", "12.%", "lts", "latest", "node", ">=22,<25", "1.2.3.4", "22.01", "x.2",
		"> = 22", "v 24.18.0", "=", "^", "22 && 24", "!22", "99999999999999999999"} {
		_, err := parseNpmRange(rng)
		assert.Error(t, err, rng)
	}
}

func TestCollapseJSSpace(t *testing.T) {
	assert.Equal(t, ">= 22 < 25", collapseJSSpace(">=  22\t\n< 25"))
	assert.Equal(t, "a b", collapseJSSpace("a\u00a0\u2003b"))
	assert.Equal(t, "24", trimJSSpace("\ufeff 24\u3000"))
}
