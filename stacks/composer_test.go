package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestComposerSatisfies pins Composer's semantics without needing PHP (the
// differential test compares with composer/semver when it is available).
func TestComposerSatisfies(t *testing.T) {
	for _, tc := range []struct {
		constraint string
		in, out    []string
	}{
		{"~8.4", []string{"8.4.0", "8.5.7", "8.99.0"}, []string{"8.3.31", "9.0.0", "9.0.0-dev"}},
		{"~8.4.2", []string{"8.4.2", "8.4.22"}, []string{"8.4.1", "8.5.0"}},
		{"^8.2", []string{"8.2.0", "8.5.7"}, []string{"8.1.9", "9.0.0"}},
		{"^0.3", []string{"0.3.0", "0.3.9"}, []string{"0.4.0"}},
		{"8.3", []string{"8.3.0", "8.3.0.0", "v8.3"}, []string{"8.3.1"}}, // exact
		{"8.3.*", []string{"8.3.0", "8.3.31"}, []string{"8.4.0", "8.2.31"}},
		{"*", []string{"0.0.0", "8.4.0-dev", "99.0.0"}, nil},
		{">=8.1 <8.4", []string{"8.1.0", "8.3.31"}, []string{"8.4.0", "8.0.30"}},
		{">=8.1,<8.4", []string{"8.3.31"}, []string{"8.4.0"}},
		{">= 8.1, < 8.4", []string{"8.3.31"}, []string{"8.4.0"}},
		{"^7.4 || ^8.0", []string{"7.4.0", "8.5.0"}, []string{"7.3.0", "9.0.0"}},
		{"^7.4|^8.0", []string{"7.4.0", "8.5.0"}, []string{"9.0.0"}},
		{"8.2 - 8.4", []string{"8.2.0", "8.4.22"}, []string{"8.1.0", "8.5.0"}},
		{"8.2 - 8.4.1", []string{"8.4.1"}, []string{"8.4.2"}},
		{"v8.4.1", []string{"8.4.1"}, []string{"8.4.2"}},
		{"8.3.*@dev", []string{"8.3.5", "8.3.5-dev"}, []string{"8.4.0"}},
		{"^8.3@stable", []string{"8.3.0", "8.5.0"}, nil},
		{">=8.2.0-dev", []string{"8.2.0-dev", "8.2.0"}, []string{"8.1.99"}},
		{"<8.5", []string{"8.4.99"}, []string{"8.5.0-alpha1", "8.5.0-dev", "8.5.0"}},
		{"!=8.3.1", []string{"8.3.0", "8.3.2"}, []string{"8.3.1"}},
		{"dev-master", []string{"dev-master"}, []string{"8.4.0"}},
	} {
		t.Run(tc.constraint, func(t *testing.T) {
			for _, v := range tc.in {
				ok, err := ComposerSatisfies(tc.constraint, v)
				require.NoError(t, err)
				assert.True(t, ok, "%s should satisfy %q", v, tc.constraint)
			}
			for _, v := range tc.out {
				ok, err := ComposerSatisfies(tc.constraint, v)
				require.NoError(t, err)
				assert.False(t, ok, "%s should not satisfy %q", v, tc.constraint)
			}
		})
	}
}

func TestComposerSatisfiesErrors(t *testing.T) {
	_, err := ComposerSatisfies("^8.2", "8.1.2-1ubuntu2.14")
	assert.EqualError(t, err, `checking "8.1.2-1ubuntu2.14" against Composer constraint "^8.2": invalid version string "8.1.2-1ubuntu2.14"`)
	_, err = ComposerSatisfies("8.2-8.4", "8.3.0")
	assert.EqualError(t, err, `checking "8.3.0" against Composer constraint "8.2-8.4": "8.2-8.4": invalid version string "8.2-8.4"`)
	_, err = ComposerSatisfies("~>8.2", "8.3.0")
	assert.EqualError(t, err, `checking "8.3.0" against Composer constraint "~>8.2": "~>8.2": "~>" is not a Composer operator, use "~"`)
	_, err = ComposerSatisfies("", "8.3.0")
	assert.Error(t, err)
}

func TestComposerNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"8.3":             "8.3.0.0",
		"v8.3.1":          "8.3.1.0",
		"8.3.1.2":         "8.3.1.2",
		"8.3.1-beta2":     "8.3.1.0-beta2",
		"8.3.1RC1":        "8.3.1.0-RC1",
		"8.3.1-b1":        "8.3.1.0-beta1",
		"8.3.1-pl3":       "8.3.1.0-patch3",
		"8.3.1-dev":       "8.3.1.0-dev",
		"8.3.1-stable":    "8.3.1.0",
		"8.3.x-dev":       "8.3.9999999.9999999-dev",
		"8.3.1+build.5":   "8.3.1.0",
		"8.3.1@dev":       "8.3.1.0",
		"8.3.1 as 8.3.0":  "8.3.1.0",
		"master":          "dev-master",
		"dev-feature/x":   "dev-feature/x",
		"2023.01.01":      "2023.01.01.0",
		"123456.1":        "123456.1",
		"  8.4.2  ":       "8.4.2.0",
		"8.3.1-alpha.1.2": "8.3.1.0-alpha1.2",
	} {
		got, err := composerNormalize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "foo", "8.%", "8.1.2-1ubuntu2.14", "1.2.3.4.5"} {
		_, err := composerNormalize(in)
		assert.Error(t, err, in)
	}
}

func TestComposerAndSplit(t *testing.T) {
	for in, want := range map[string][]string{
		">=8.1 <8.4":     {">=8.1", "<8.4"},
		">=8.1,<8.4":     {">=8.1", "<8.4"},
		">=8.1 , <8.4":   {">=8.1", "<8.4"},
		">= 8.1":         {">= 8.1"},
		"8.2 - 8.4":      {"8.2 - 8.4"},
		"^8.2 !=8.3.1":   {"^8.2", "!=8.3.1"},
		"8.4.1 as 8.4.0": {"8.4.1 as 8.4.0"},
		"":               {""},
	} {
		assert.Equal(t, want, composerAndSplit(in), in)
	}
}

func TestPHPVersionCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"8.4.0.0", "8.4.0.0", 0},
		{"8.4.0.0", "8.4.1.0", -1},
		{"8.10.0.0", "8.9.0.0", 1},
		{"8.4.0.0-dev", "8.4.0.0", -1},
		{"8.4.0.0-alpha1", "8.4.0.0-dev", 1},
		{"8.4.0.0-beta1", "8.4.0.0-alpha2", 1},
		{"8.4.0.0-RC1", "8.4.0.0-beta9", 1},
		{"8.4.0.0-patch1", "8.4.0.0", 1},
		{"1.0", "1.0.0", -1},
		{"1.0rc1", "1.0", -1},
		{"1.0pl1", "1.0", 1},
		{"", "1.0", -1},
		{"1.0", "", 1},
		{"", "", 0},
		{"1..2", "1.2", 0},
	} {
		assert.Equal(t, tc.want, phpVersionCompare(tc.a, tc.b), "%q vs %q", tc.a, tc.b)
		assert.Equal(t, -tc.want, phpVersionCompare(tc.b, tc.a), "%q vs %q", tc.b, tc.a)
	}
}
