package stacks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseExtraVersions(t *testing.T) {
	got, err := ParseExtraVersions(" php=8.2.32, NGINX=1.22.1,,composer=2.8.4 ")
	require.NoError(t, err)
	assert.Equal(t, []ExtraVersion{{"php", "8.2.32"}, {"nginx", "1.22.1"}, {"composer", "2.8.4"}}, got)
	for in, want := range map[string]string{
		"php":           `"php" is not COMPONENT=VERSION`,
		"php=":          `"php=" is not COMPONENT=VERSION`,
		"node=22.1.0":   "the component is php, nginx or composer",
		"php=8.2":       `"8.2" is not a release version X.Y.Z`,
		"php=8.2.0-rc1": "is not a release version",
	} {
		_, err := ParseExtraVersions(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), "KILN_EXTRA_VERSIONS: ", in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestWithExtraVersions(t *testing.T) {
	st, err := Load("scalingo-26")
	require.NoError(t, err)
	ex, err := st.WithExtraVersions("php=8.2.32,php=8.1.30,nginx=1.22.1,composer=2.8.4,php=8.4.0")
	require.NoError(t, err)

	// In the line of its major.minor: the newest of 8.2 now.
	res, err := ex.ResolvePHP(Request{Value: "~8.2.0", Source: "composer.json require.php"})
	require.NoError(t, err)
	assert.Equal(t, "8.2.32", res.Version)
	// A new line, in order, for a major.minor the table lacks.
	res, err = ex.ResolvePHP(Request{Value: "8.1.*", Source: "PHP_VERSION"})
	require.NoError(t, err)
	assert.Equal(t, "8.1.30", res.Version)
	assert.Equal(t, []string{"8.1", "8.2", "8.3", "8.4", "8.5"}, lineNames(ex.PHP))
	res, err = ex.ResolveNginx(Request{Value: "1.22.1", Source: "NGINX_VERSION"})
	require.NoError(t, err)
	assert.Equal(t, "1.22.1", res.Version)
	assert.Equal(t, "1.22", ex.Nginx.Lines[0].Name)
	res, err = ex.ResolveComposer(Request{Value: "2.8.4", Source: "COMPOSER_VERSION"})
	require.NoError(t, err)
	assert.Equal(t, "2.8.4", res.Version)
	// The defaults do not move, and a version already listed is not
	// listed twice.
	res, err = ex.ResolvePHP(Request{Source: "default"})
	require.NoError(t, err)
	def, err := st.ResolvePHP(Request{Source: "default"})
	require.NoError(t, err)
	assert.Equal(t, def.Version, res.Version)
	assert.Equal(t, len(st.PHP.line("8.4").Versions), len(ex.PHP.line("8.4").Versions))
	assert.Contains(t, ex.Available("php"), "8.1 extra (up to 8.1.30)")

	// The original is left as it was.
	_, err = st.ResolvePHP(Request{Value: "8.1.*", Source: "PHP_VERSION"})
	assert.Error(t, err)
	assert.NotContains(t, st.PHP.line("8.2").Versions, "8.2.32")
	assert.Nil(t, st.Nginx.line("1.22"))

	_, err = st.WithExtraVersions("php=eight")
	assert.Error(t, err)
}

func lineNames(c Component) []string {
	var out []string
	for _, l := range c.Lines {
		out = append(out, l.Name)
	}
	return out
}
