package stacks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNames(t *testing.T) {
	assert.Equal(t, []string{"scalingo-22", "scalingo-24", "scalingo-26"}, Names())
}

func TestLoad(t *testing.T) {
	s, err := Load("")
	require.NoError(t, err)
	assert.Equal(t, DefaultName, s.Name)

	for _, name := range Names() {
		s, err := Load(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, s.Name)
	}
}

func TestLoadUnknown(t *testing.T) {
	for _, name := range []string{"scalingo-18", "heroku-24", "../stacks", "data/scalingo-26", ".hidden", "scalingo-26.toml"} {
		_, err := Load(name)
		var unknown *UnknownStackError
		require.ErrorAs(t, err, &unknown, name)
		assert.Equal(t, name, unknown.Name)
		assert.Equal(t, fmt.Sprintf("unknown stack %q: kiln knows scalingo-22, scalingo-24, scalingo-26", name), err.Error())
	}
}

// TestLoadReturnsFreshTables checks that callers own what Load returns.
func TestLoadReturnsFreshTables(t *testing.T) {
	a, err := Load("scalingo-24")
	require.NoError(t, err)
	a.Node.Lines[0].Versions[0] = "changed"
	a.Node.Default = "22"
	b, err := Load("scalingo-24")
	require.NoError(t, err)
	assert.Equal(t, "22.0.0", b.Node.Lines[0].Versions[0])
	assert.Equal(t, "24", b.Node.Default)
}

func TestDeprecation(t *testing.T) {
	for _, tc := range []struct {
		name, discontinued string
		deprecated         bool
	}{
		{"scalingo-22", "2027-06-01", true},
		{"scalingo-24", "", false},
		{"scalingo-26", "", false},
	} {
		s, err := Load(tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.deprecated, s.Deprecated, tc.name)
		assert.Equal(t, tc.discontinued, s.Discontinued, tc.name)
		if !tc.deprecated {
			assert.Empty(t, s.DeprecationWarning(), tc.name)
		}
	}
	s, err := Load("scalingo-22")
	require.NoError(t, err)
	assert.Equal(t, "The scalingo-22 stack is deprecated and will be discontinued on 2027-06-01: "+
		"move this application to scalingo-24 or scalingo-26 before that date.", s.DeprecationWarning())
}

func TestAvailable(t *testing.T) {
	for _, name := range Names() {
		s, err := Load(name)
		require.NoError(t, err)
		assert.Equal(t, "22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0)", s.Available("node"))
		assert.Equal(t, "8.2 (up to 8.2.31), 8.3 (up to 8.3.31), 8.4 (up to 8.4.22), 8.5 (up to 8.5.7)", s.Available("php"))
		assert.Equal(t, "1.30 stable (up to 1.30.3), 1.31 mainline (up to 1.31.2)", s.Available("nginx"))
		assert.Equal(t, "2.2 LTS (up to 2.2.28), 2.10 (up to 2.10.1)", s.Available("composer"))
		assert.Empty(t, s.Available("ruby"))
	}
}

// TestTables checks every table against the published availability: lines,
// labels, defaults, newest versions, and well-formed version lists.
func TestTables(t *testing.T) {
	type line struct{ name, label, codename, newest string }
	want := map[string]struct {
		def   string
		lines []line
	}{
		"node":     {"24", []line{{"22", "LTS", "jod", "22.23.1"}, {"24", "LTS", "krypton", "24.18.0"}, {"26", "", "", "26.4.0"}}},
		"php":      {"8.4", []line{{"8.2", "", "", "8.2.31"}, {"8.3", "", "", "8.3.31"}, {"8.4", "", "", "8.4.22"}, {"8.5", "", "", "8.5.7"}}},
		"nginx":    {"1.30", []line{{"1.30", "stable", "", "1.30.3"}, {"1.31", "mainline", "", "1.31.2"}}},
		"composer": {"2.10", []line{{"2.2", "LTS", "", "2.2.28"}, {"2.10", "", "", "2.10.1"}}},
	}
	for _, name := range Names() {
		s, err := Load(name)
		require.NoError(t, err)
		for id, w := range want {
			comp, _, ok := s.component(id)
			require.True(t, ok)
			where := name + " " + id
			assert.Equal(t, w.def, comp.Default, where)
			require.Len(t, comp.Lines, len(w.lines), where)
			var previous *semver.Version
			for i, l := range comp.Lines {
				assert.Equal(t, w.lines[i], line{l.Name, l.Label, l.Codename, l.Newest()}, where)
				for _, raw := range l.Versions {
					v, err := semver.StrictNewVersion(raw)
					require.NoError(t, err, where)
					assert.Empty(t, v.Prerelease(), where)
					assert.True(t, strings.HasPrefix(raw, l.Name+"."), "%s: %s is not on line %s", where, raw, l.Name)
					if previous != nil {
						assert.True(t, v.GreaterThan(previous), "%s: %s follows %s", where, raw, previous)
					}
					previous = v
				}
				first := l.Name + ".0"
				if id == "node" {
					first = l.Name + ".0.0"
				}
				assert.Equal(t, first, l.Versions[0], where)
				if id != "node" {
					// X.Y.0 through the newest patch, none missing.
					newest, err := semver.StrictNewVersion(l.Newest())
					require.NoError(t, err)
					assert.Len(t, l.Versions, int(newest.Patch())+1, where)
				}
			}
		}
		// Node.js lines hold the real releases: spot checks.
		assert.Contains(t, s.Node.Lines[0].Versions, "22.4.1")
		assert.NotContains(t, s.Node.Lines[0].Versions, "22.4.2")
		assert.Contains(t, s.Node.Lines[1].Versions, "24.0.2")
		assert.Contains(t, s.Node.Lines[2].Versions, "26.3.1")
	}
}

// TestTablesParse checks that every table version parses for resolution.
func TestTablesParse(t *testing.T) {
	for _, name := range Names() {
		s, err := Load(name)
		require.NoError(t, err)
		for _, id := range []string{"node", "php", "nginx", "composer"} {
			comp, _, _ := s.component(id)
			_, err := comp.parsed(id)
			assert.NoError(t, err, name+" "+id)
		}
	}
}

func TestValidate(t *testing.T) {
	good := func() *Stack {
		s, err := Load("scalingo-24")
		require.NoError(t, err)
		return s
	}
	s := good()
	assert.ErrorContains(t, s.validate("scalingo-26"), `table names stack "scalingo-24", want "scalingo-26"`)
	s = good()
	s.Deprecated = true
	assert.ErrorContains(t, s.validate("scalingo-24"), "no discontinued date")
	s = good()
	s.PHP.Default = "7.4"
	assert.ErrorContains(t, s.validate("scalingo-24"), `php: default line "7.4" is not in the table`)
	s = good()
	s.Nginx.Lines = nil
	assert.ErrorContains(t, s.validate("scalingo-24"), "nginx: no release lines")
	s = good()
	s.Composer.Lines[0].Versions = nil
	assert.ErrorContains(t, s.validate("scalingo-24"), "composer line 2.2: no versions")
}

func TestBadTableVersionIsAnInternalError(t *testing.T) {
	s, err := Load("scalingo-24")
	require.NoError(t, err)
	s.Node.Lines[0].Versions = append(s.Node.Lines[0].Versions, "22.x")
	_, err = s.ResolveNode(Request{Value: "22"}, false)
	var re *ResolveError
	assert.False(t, assertAs(err, &re))
	assert.ErrorContains(t, err, `resolving Node.js on scalingo-24: node table, line 22: version "22.x"`)

	s.PHP.Lines[0].Versions = append(s.PHP.Lines[0].Versions, "8.2.40-rc1")
	_, err = s.ResolvePHP(Request{Value: "8.2.*"})
	assert.ErrorContains(t, err, `resolving PHP on scalingo-24: php table, line 8.2: version "8.2.40-rc1" is not a release`)
}
