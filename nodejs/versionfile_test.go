package nodejs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
)

// A 20 MB .nvmrc is not echoed whole: the plan's error quotes its start.
func TestHugeNvmrcIsQuotedShort(t *testing.T) {
	app := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"x"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(app, ".nvmrc"), []byte(strings.Repeat("9", 20<<20)+"\n"), 0o644))
	_, err := Buildpack{}.Plan(fixtureContext(t, app))
	u, ok := buildpack.AsUserError(err)
	require.True(t, ok, "want a user error, got %v", err)
	assert.Less(t, len(u.Msg)+len(u.Hint), 1000, "the message is short: %s", u.Msg)
	assert.Contains(t, u.Msg, strings.Repeat("9", maxVersionLine)+"…")
	assert.Contains(t, u.Msg, ".nvmrc")
}
