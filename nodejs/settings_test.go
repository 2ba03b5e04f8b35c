package nodejs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// decoded is a plan's settings as Compile reads them.
func decoded(t *testing.T, p buildpack.Plan) settings {
	t.Helper()
	s, err := decodeSettings(p.Settings)
	require.NoError(t, err)
	return s
}

// TestSettingsRoundTrip decodes the Node.js settings of every golden plan
// (a Node.js plan's own, a PHP plan's under the node. prefix of its assets
// part) and encodes them again: the same object comes back, so the struct
// holds all the plan says.
func TestSettingsRoundTrip(t *testing.T) {
	own, parts := 0, 0
	for _, plan := range buildpacktest.GoldenPlanSettings(t) {
		path, doc := plan.Path, plan
		node := map[string]string{}
		switch doc.Buildpack {
		case "nodejs":
			own++
			node = doc.Settings
		case "php":
			for k, v := range doc.Settings {
				if k, ok := strings.CutPrefix(k, "node."); ok {
					node[k] = v
				}
			}
			if len(node) == 0 {
				continue
			}
			parts++
		default:
			continue
		}
		delete(node, buildpack.SettingAppLocation) // the engine's, not the buildpack's
		s, err := decodeSettings(node)
		require.NoError(t, err, path)
		assert.Equal(t, node, s.encode(), path)
	}
	assert.GreaterOrEqual(t, own, 50, "the Node.js fixture plans")
	assert.GreaterOrEqual(t, parts, 1, "the PHP fixture plans with Node.js assets")
}

func TestSettingsEncodeKeepsOnlyWhatSaysSomething(t *testing.T) {
	assert.Equal(t, map[string]string{setPackageManager: "", setDistMirror: "", setRegistry: "", setPMCache: ""},
		(&settings{}).encode())
	s := settings{PackageManager: "npm", Lockfile: "npm-shrinkwrap.json", Prefetch: true, PruneFirst: true, PruneSkip: true,
		StorePrune: true, SlugExcludes: []string{"share/doc", "README.md"}, DepCache: true, InstallStep: stepNPMCI,
		DepKeyFiles: []string{"npm-shrinkwrap.json", ".npmrc"}}
	enc := s.encode()
	assert.Equal(t, "share/doc README.md", enc[setSlugExcludes])
	assert.Equal(t, "npm-shrinkwrap.json .npmrc", enc[setDepKeyFiles])
	assert.Contains(t, enc[setPrefetch], "npm-shrinkwrap.json")
	assert.Contains(t, enc[setPruneFirst], "npm-shrinkwrap.json")
	assert.Contains(t, enc[setPruneSkip], "npm-shrinkwrap.json")
	assert.Contains(t, enc[setDepCache], "else run "+stepNPMCI+" and save")
	assert.Equal(t, storePruneText(), enc[setStorePrune])
	back, err := decodeSettings(enc)
	require.NoError(t, err)
	assert.Equal(t, s, back)

	off := settings{PackageManager: "yarn", DepCacheOff: "no lockfile, so the installation is not reproducible"}
	assert.Equal(t, "off: no lockfile, so the installation is not reproducible", off.encode()[setDepCache])
	back, err = decodeSettings(off.encode())
	require.NoError(t, err)
	assert.Equal(t, off, back)
}

func TestDecodeSettingsNamesTheKey(t *testing.T) {
	for key, v := range map[string]string{
		"no_such_setting": "x",
		"node.lockfile":   "package-lock.json",
		setYarnFlavor:     "modern",
		setPruneFirst:     "yes",
		setPruneSkip:      pruneSkipText("yarn.lock"),
		setPrefetch:       "",
		setStorePrune:     "sometimes",
		setDepCache:       "maybe",
		"dependency_key":  "package-lock.json",
	} {
		_, err := decodeSettings(map[string]string{setPackageManager: "npm", setLockfile: "package-lock.json", key: v})
		require.Error(t, err, key)
		assert.Contains(t, err.Error(), "plan setting "+key+":")
		_, user := buildpack.AsUserError(err)
		assert.False(t, user, "a plan Compile cannot read is a bug, not the user's mistake")
	}
	for _, v := range []string{
		depCacheOnPrefix + stepBuild + depCacheOnSuffix, // not an install step
		depCacheOnPrefix + stepNPMCI,
		depCacheOffPrefix,
	} {
		_, err := decodeSettings(map[string]string{setDepCache: v})
		assert.ErrorContains(t, err, "plan setting "+setDepCache+":", v)
	}
}

// TestCompileRejectsAnUnreadablePlan: Compile reads the settings before it
// does anything, and says which one it cannot read.
func TestCompileRejectsAnUnreadablePlan(t *testing.T) {
	ctx := &buildpack.Context{AppDir: t.TempDir(), Env: buildpack.Env{}, Log: buildpack.Discard()}
	err := Buildpack{}.Compile(ctx, buildpack.Plan{Settings: map[string]string{setPruneFirst: "yes"}})
	assert.ErrorContains(t, err, "reading the Node.js plan: plan setting "+setPruneFirst+":")
}
