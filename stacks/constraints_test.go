package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Warning kinds asserted by the Composer-style tests.
const (
	warnTildeLine  = "installs the newest"                 // ~X.Y kept on its line; Composer accepts newer lines
	warnNotOffered = "which scalingo-26 does not offer"    // ~X.Y names a line the stack lacks
	warnPartial    = "in Composer's syntax"                // bare 8.3 read as 8.3.*
	warnOldPatch   = "newer patch releases carry security" // excluded newer patches of the line
)

func TestResolvePHP(t *testing.T) {
	for _, tc := range []struct {
		request, version string
		warnings         []string
	}{
		// research-php.md §2.3, with lines 8.2 to 8.5 and default 8.4.
		{"", "8.4.22", nil},
		{"~8.4", "8.4.22", []string{warnTildeLine}},
		{"~8.2", "8.2.31", []string{warnTildeLine}},
		{"~8.3", "8.3.31", []string{warnTildeLine}},
		{"~8.5", "8.5.7", nil},
		{"~8.2.0", "8.2.31", nil},
		{"^8.2", "8.4.22", nil},
		{">=8.2", "8.4.22", nil},
		{"8.3.*", "8.3.31", nil},
		{"8.3", "8.3.31", []string{warnPartial}},
		{"^7.4||^8.0", "8.4.22", nil},
		{"^7.4 || ^8.0", "8.4.22", nil},
		{">=8.1 <8.4", "8.3.31", nil},
		{">=8.1,<8.4", "8.3.31", nil},
		{"^8.1|^8.2", "8.4.22", nil},
		{"8.3.*@dev", "8.3.31", nil},
		{"^8.3@stable", "8.4.22", nil},

		// Default line first, else the newest admitted.
		{"*", "8.4.22", nil},
		{"8.*", "8.4.22", nil},
		{"^8.0", "8.4.22", nil},
		{">=8.1", "8.4.22", nil},
		{"^8.5", "8.5.7", nil},
		{"8.5.*", "8.5.7", nil},
		{">=8.5", "8.5.7", nil},
		{"~8.4.2", "8.4.22", nil},
		{"~8.2.5", "8.2.31", nil},
		{"8.2 - 8.4", "8.4.22", nil},
		{"8.2 - 8.3", "8.3.31", nil},
		{">=8.2.0-dev", "8.4.22", nil},
		{">= 8.2", "8.4.22", nil},
		{"v8.3.*", "8.3.31", nil},
		{"~8.4@dev", "8.4.22", []string{warnTildeLine}},
		{" ~8.3 ", "8.3.31", []string{warnTildeLine}},
		{"~8.4 || ~8.5", "8.4.22", nil},
		{"8.4.* || 8.5.*", "8.4.22", nil},
		{"8.5.7", "8.5.7", nil},

		// ~X.Y for a line the stack lacks: Composer's reading, with a warning.
		{"~8.1", "8.4.22", []string{warnNotOffered}},

		// Bare partial versions, alone or inside a constraint.
		{"8", "8.4.22", []string{warnPartial}},
		{"8.2 || 8.3", "8.3.31", []string{warnPartial}},
		{"v8.3", "8.3.31", []string{warnPartial}},

		// Exact and capped versions leave out security releases.
		{"8.4.2", "8.4.2", []string{warnOldPatch}},
		{"=8.3.1", "8.3.1", []string{warnOldPatch}},
		{">=8.2 <8.4.5", "8.4.4", []string{warnOldPatch}},
	} {
		t.Run(tc.request, func(t *testing.T) {
			s, err := Load(DefaultName)
			require.NoError(t, err)
			res, err := s.ResolvePHP(Request{Value: tc.request, Source: "composer.json require.php"})
			require.NoError(t, err)
			assert.Equal(t, tc.version, res.Version)
			assert.Equal(t, tc.version[:3], res.Line)
			require.Len(t, res.Warnings, len(tc.warnings), "%q", res.Warnings)
			for i, w := range tc.warnings {
				assert.Contains(t, res.Warnings[i], w)
				assert.Contains(t, res.Warnings[i], `PHP constraint "`+tc.request+`" (composer.json require.php)`)
			}
		})
	}
}

func TestResolvePHPWarnings(t *testing.T) {
	s, err := Load(DefaultName)
	require.NoError(t, err)
	for _, tc := range []struct{ request, warning string }{
		{"~8.2", `PHP constraint "~8.2" (composer.json require.php) installs the newest 8.2 release, 8.2.31, although Composer reads it ` +
			`as ">=8.2 <9.0" and would also accept 8.3 to 8.5; write "~8.2.0" to keep to 8.2 explicitly, or "^8.2" to accept newer lines.`},
		{"~8.4", `PHP constraint "~8.4" (composer.json require.php) installs the newest 8.4 release, 8.4.22, although Composer reads it ` +
			`as ">=8.4 <9.0" and would also accept 8.5; write "~8.4.0" to keep to 8.4 explicitly, or "^8.4" to accept newer lines.`},
		{"8.3", `PHP constraint "8.3" (composer.json require.php): kiln reads "8.3" as "8.3.*" and installs 8.3.31, but in Composer's syntax ` +
			`"8.3" means exactly 8.3.0 (so Composer will refuse any other PHP version); write "~8.3.0" or "8.3.*" instead.`},
		{"8.2 || 8.3", `PHP constraint "8.2 || 8.3" (composer.json require.php): kiln reads "8.2" as "8.2.*" and "8.3" as "8.3.*" and installs 8.3.31, ` +
			`but in Composer's syntax "8.2" means exactly 8.2.0 and "8.3" means exactly 8.3.0 (so Composer will refuse any other PHP version); ` +
			`write "8.2.*" and "8.3.*" instead.`},
		{"~8.1", `PHP constraint "~8.1" (composer.json require.php) names the 8.1 line, which scalingo-26 does not offer, so kiln follows ` +
			`Composer's reading of it and installs 8.4.22; require an available line, for example "~8.4", to choose explicitly.`},
		{"8.4.2", `PHP constraint "8.4.2" (composer.json require.php) selects 8.4.2, but 8.4.22 is available on scalingo-26 and newer ` +
			`patch releases carry security fixes; allow them with a constraint such as "~8.4.2".`},
	} {
		res, err := s.ResolvePHP(Request{Value: tc.request, Source: "composer.json require.php"})
		require.NoError(t, err)
		assert.Equal(t, []string{tc.warning}, res.Warnings, tc.request)
	}
}

func TestResolvePHPErrors(t *testing.T) {
	const available = "8.2 (up to 8.2.31), 8.3 (up to 8.3.31), 8.4 (up to 8.4.22), 8.5 (up to 8.5.7)"
	for _, tc := range []struct {
		request    string
		unparsable bool
		reason     string
	}{
		{"^9.0", false, "matches no version available"},
		{"~7.4", false, "matches no version available"},
		{"8.1.*", false, "matches no version available"},
		{"8.4.23", false, "matches no version available"},
		{"<8.2", false, "matches no version available"},
		{"8.6", false, "matches no version available"},
		{"foo", true, `could not be parsed as a Composer version constraint: "foo": invalid version string "foo"`},
		{"8.2-8.4", true, `could not be parsed as a Composer version constraint: "8.2-8.4": invalid version string "8.2-8.4"`},
		{"~>8.4", true, `could not be parsed as a Composer version constraint: "~>8.4": "~>" is not a Composer operator, use "~"`},
		{">=8.1,", true, `could not be parsed as a Composer version constraint: ">=8.1,": invalid version string "8.1,"`},
		{"8.2 ||", true, `could not be parsed as a Composer version constraint: empty constraint (is there a "||" or "," with nothing on one side?)`},
	} {
		t.Run(tc.request, func(t *testing.T) {
			s, err := Load(DefaultName)
			require.NoError(t, err)
			_, err = s.ResolvePHP(Request{Value: tc.request, Source: "composer.json require.php"})
			var re *ResolveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, ResolveError{
				Component: "PHP", Request: tc.request, Source: "composer.json require.php", Stack: "scalingo-26",
				Available: available, Reason: tc.reason, Unparsable: tc.unparsable,
				Hint: `Change composer.json require.php to a constraint that includes an available version, for example "~8.4".`,
			}, *re)
		})
	}
	s, err := Load(DefaultName)
	require.NoError(t, err)
	_, err = s.ResolvePHP(Request{Value: "^9.0", Source: "composer.json require.php"})
	assert.EqualError(t, err, `PHP version "^9.0" requested in composer.json require.php matches no version available on scalingo-26 (available: `+available+`)`)
}

func TestResolveNginx(t *testing.T) {
	for _, tc := range []struct {
		request, version string
		warnings         []string
	}{
		{"", "1.30.3", nil},
		{"default", "1.30.3", nil},
		{"Default", "1.30.3", nil},
		{"1.31.*", "1.31.2", nil},
		{"~1.30", "1.30.3", []string{warnTildeLine}},
		{"~1.31", "1.31.2", nil},
		{"^1.30", "1.30.3", nil},
		{">=1.31", "1.31.2", nil},
		{"1.30.2", "1.30.2", []string{warnOldPatch}},
		{"1.30.3", "1.30.3", nil},
		{"1.31", "1.31.2", []string{warnPartial}},
		{"*", "1.30.3", nil},
	} {
		t.Run(tc.request, func(t *testing.T) {
			s, err := Load(DefaultName)
			require.NoError(t, err)
			res, err := s.ResolveNginx(Request{Value: tc.request, Source: "composer.json extra.paas.engines.nginx"})
			require.NoError(t, err)
			assert.Equal(t, tc.version, res.Version)
			require.Len(t, res.Warnings, len(tc.warnings), "%q", res.Warnings)
			for i, w := range tc.warnings {
				assert.Contains(t, res.Warnings[i], w)
				assert.Contains(t, res.Warnings[i], `nginx constraint "`+tc.request+`"`)
			}
		})
	}
	s, err := Load(DefaultName)
	require.NoError(t, err)
	_, err = s.ResolveNginx(Request{Value: "1.29.*", Source: "NGINX_VERSION"})
	assert.EqualError(t, err, `nginx version "1.29.*" requested in NGINX_VERSION matches no version available on scalingo-26 `+
		`(available: 1.30 stable (up to 1.30.3), 1.31 mainline (up to 1.31.2))`)
}

func TestResolveComposer(t *testing.T) {
	for _, tc := range []struct {
		request, version string
		warnings         []string
	}{
		{"", "2.10.1", nil},
		{"2.x", "2.10.1", nil},
		{"2.*", "2.10.1", nil},
		{"^2.2", "2.10.1", nil},
		{"2.2.*", "2.2.28", nil},
		{"~2.2.0", "2.2.28", nil},
		{"~2.2", "2.2.28", []string{warnTildeLine}},
		{"~2.10", "2.10.1", nil},
		{"2.10.1", "2.10.1", nil},
		{"2.2.28", "2.2.28", nil},
		{"2.2.5", "2.2.5", []string{warnOldPatch}},
		{"2", "2.10.1", []string{warnPartial}},
	} {
		t.Run(tc.request, func(t *testing.T) {
			s, err := Load(DefaultName)
			require.NoError(t, err)
			res, err := s.ResolveComposer(Request{Value: tc.request, Source: "COMPOSER_VERSION"})
			require.NoError(t, err)
			assert.Equal(t, tc.version, res.Version)
			require.Len(t, res.Warnings, len(tc.warnings), "%q", res.Warnings)
			for i, w := range tc.warnings {
				assert.Contains(t, res.Warnings[i], w)
			}
		})
	}
	s, err := Load(DefaultName)
	require.NoError(t, err)
	for _, request := range []string{"1.x", "2.10.2", "2.11.*", "default"} {
		_, err = s.ResolveComposer(Request{Value: request, Source: "COMPOSER_VERSION"})
		var re *ResolveError
		require.ErrorAs(t, err, &re, request)
		assert.Equal(t, "Composer", re.Component)
		assert.Equal(t, "2.2 LTS (up to 2.2.28), 2.10 (up to 2.10.1)", re.Available)
		assert.Equal(t, `Change COMPOSER_VERSION to a constraint that includes an available version, for example "~2.10".`, re.Hint)
	}
}
