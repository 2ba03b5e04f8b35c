package nodejs

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEnginesYarnWithoutLockfileIsNPM: engines.yarn alone does not make a
// Yarn app; npm installs, with a warning.
func TestEnginesYarnWithoutLockfileIsNPM(t *testing.T) {
	ctx := fixtureContext(t, filepath.Join("..", "fixtures", "node-yarn-engines-no-lockfile"))
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	assert.NotNil(t, p.Step(stepNPMInstall))
	assert.Nil(t, p.Step(stepYarnInstall))
	assert.Nil(t, p.Runtime("yarn"))
	require.Len(t, p.Warnings, 1)
	assert.Contains(t, p.Warnings[0], "no yarn.lock: installing with npm")
}
