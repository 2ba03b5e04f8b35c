package nodejs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// TestHardeningProfileWriteRefusesALinkMadeDuringTheBuild: the plan
// refuses a committed .profile.d link out of the app; one that a build
// command made afterwards is refused by the write itself (os.Root), with
// the link named, and nothing is written outside the app.
func TestHardeningProfileWriteRefusesALinkMadeDuringTheBuild(t *testing.T) {
	base := t.TempDir()
	app, host := filepath.Join(base, "app"), filepath.Join(base, "host")
	require.NoError(t, os.MkdirAll(app, 0o755))
	require.NoError(t, os.MkdirAll(host, 0o755))
	require.NoError(t, os.Symlink(host, filepath.Join(app, ".profile.d")))
	before := buildpacktest.TreeDigest(t, base, app)

	c := &compiler{ctx: &buildpack.Context{AppDir: app}}
	err := c.writeProfile(buildpack.Step{})
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v", err)
	assert.Equal(t, "The app's .profile.d/nodejs.sh leads outside the app: .profile.d is a symbolic link to "+host+
		", and kiln does not read or write through links that leave the app", u.Msg)
	assert.Equal(t, before, buildpacktest.TreeDigest(t, base, app))
	assert.NoFileExists(t, filepath.Join(host, "nodejs.sh"))

	require.NoError(t, os.Remove(filepath.Join(app, ".profile.d")))
	require.NoError(t, os.MkdirAll(filepath.Join(app, "etc", "profile"), 0o755))
	require.NoError(t, os.Symlink("etc/profile", filepath.Join(app, ".profile.d")))
	require.NoError(t, c.writeProfile(buildpack.Step{}), "a link inside the app is followed")
	assert.FileExists(t, filepath.Join(app, "etc", "profile", "nodejs.sh"))
}
