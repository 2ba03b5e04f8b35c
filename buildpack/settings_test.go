package buildpack

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testSettings struct {
	Name  string
	Files []string
	Lines []string
	Empty string
}

func (s *testSettings) fields() []Setting {
	return []Setting{
		TextSetting("name", true, &s.Name),
		ListSetting("files", &s.Files),
		LinesSetting("lines", &s.Lines),
		TextSetting("empty", false, &s.Empty),
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	in := testSettings{Name: "x", Files: []string{"a", "b"}, Lines: []string{"one line", "two"}}
	m := EncodeSettings(in.fields())
	assert.Equal(t, map[string]string{"name": "x", "files": "a b", "lines": "one line\ntwo"}, m)
	var out testSettings
	require.NoError(t, DecodeSettings(out.fields(), m, nil))
	assert.Equal(t, in, out)

	assert.Equal(t, map[string]string{"name": ""}, EncodeSettings((&testSettings{}).fields()), "an empty optional setting is left out")
}

func TestDecodeSettingsNamesTheKey(t *testing.T) {
	var s testSettings
	err := DecodeSettings(s.fields(), map[string]string{"colour": "red"}, nil)
	assert.EqualError(t, err, "plan setting colour: not a setting of this buildpack")

	extra := map[string]string{}
	err = DecodeSettings(s.fields(), map[string]string{"x_url": "u", "name": "n"}, func(k, v string) (bool, error) {
		extra[k] = v
		return true, nil
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"x_url": "u"}, extra)
	assert.Equal(t, "n", s.Name)
}

func TestSentenceSetting(t *testing.T) {
	on := true
	f := SentenceSetting("cache", &on, func() string { return "restores the tree" })
	assert.Equal(t, "restores the tree", f.Encode())
	var got bool
	g := SentenceSetting("cache", &got, func() string { return "restores the tree" })
	require.NoError(t, g.Decode("restores the tree"))
	assert.True(t, got)
	assert.EqualError(t, g.Decode("something else"), `"something else" is not "restores the tree"`)
	off := false
	assert.Empty(t, SentenceSetting("cache", &off, func() string { return "x" }).Encode())
}
