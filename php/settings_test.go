package php

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// decoded is a plan's settings as the compiler reads them.
func decoded(t *testing.T, p buildpack.Plan) settings {
	t.Helper()
	s, err := decodeSettings(p.Settings)
	require.NoError(t, err)
	return s
}

// TestSettingsRoundTrip decodes the settings of every PHP golden plan and
// encodes them again: the same object comes back, so the struct holds all
// the plan says.
func TestSettingsRoundTrip(t *testing.T) {
	count := 0
	for _, plan := range buildpacktest.GoldenPlanSettings(t) {
		path, doc := plan.Path, plan
		if doc.Buildpack != "php" {
			continue
		}
		count++
		own := map[string]string{}
		for k, v := range doc.Settings {
			if !strings.HasPrefix(k, nodeSettingPrefix) { // the Node.js part's
				own[k] = v
			}
		}
		s, err := decodeSettings(own)
		require.NoError(t, err, path)
		assert.Equal(t, own, s.encode(), path)
	}
	assert.GreaterOrEqual(t, count, 40, "the PHP fixture plans")
}

func TestSettingsEncodeKeepsOnlyWhatSaysSomething(t *testing.T) {
	assert.Equal(t, map[string]string{setFramework: "", setDocumentRoot: "", setIndexDocument: "", setRuntimeSource: "", setAppEnv: ""},
		(&settings{}).encode())
	s := settings{RuntimeSource: sourceSystem, PHPConfig: []string{"a=1", "b=2"}, LogFiles: []string{"x.log", "y.log"},
		VendorCacheOff: "vendor/ is part of the app", DatadogOff: true, APMURLs: map[string]string{"ddtrace": "https://x/dd.tgz"}}
	enc := s.encode()
	assert.Equal(t, "a=1\nb=2", enc[setPHPConfig])
	assert.Equal(t, "x.log y.log", enc[setLogFiles])
	assert.Equal(t, "off: vendor/ is part of the app", enc[setDepCache])
	assert.Equal(t, datadogOffText, enc[setDatadogOff])
	assert.Equal(t, "https://x/dd.tgz", enc["apm_ddtrace_url"])
	back, err := decodeSettings(enc)
	require.NoError(t, err)
	assert.Equal(t, s, back)
}

func TestDecodeSettingsNamesTheKey(t *testing.T) {
	for key, v := range map[string]string{
		"no_such_setting":  "x",
		"apm_nothing_url":  "https://x",
		setRuntimeSource:   "cloud",
		setDepCache:        "maybe",
		setDatadogOff:      "off",
		"node.package_man": "npm",
	} {
		_, err := decodeSettings(map[string]string{setFramework: "default", key: v})
		require.Error(t, err, key)
		assert.Contains(t, err.Error(), "plan setting "+key+":")
		_, user := buildpack.AsUserError(err)
		assert.False(t, user, "a plan compile cannot read is a bug, not the user's mistake")
	}
}
