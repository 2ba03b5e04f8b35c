package buildpack

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoggerConventions(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, []string{"hunter22"})
	log.Header("Installing Node.js %s", "24.18.0")
	log.Info("token is hunter22")
	log.Warn("first line\nsecond line")
	log.Blank()
	assert.Equal(t, "-----> Installing Node.js 24.18.0\n"+
		"       token is [redacted]\n"+
		" !     first line\n"+
		" !     second line\n"+
		"\n", buf.String())
}

func TestLoggerWriterIndentsAndRedactsAcrossWrites(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, []string{"s3cr3t"})
	w := log.Writer()
	// A secret split across two writes must still be caught.
	fmt.Fprint(w, "added 2 packages, token s3")
	fmt.Fprint(w, "cr3t\nsecond")
	assert.Equal(t, "       added 2 packages, token [redacted]\n", buf.String())
	require.NoError(t, w.Flush())
	assert.Equal(t, "       added 2 packages, token [redacted]\n       second\n", buf.String())
}

func TestUserError(t *testing.T) {
	err := fmt.Errorf("planning: %w", Userf("bad %s", "json").WithHint("fix it"))
	u, ok := AsUserError(err)
	require.True(t, ok)
	assert.Equal(t, "bad json", u.Msg)
	assert.Equal(t, "fix it", u.Hint)
	assert.Equal(t, "bad json\nfix it", u.Error())
	_, ok = AsUserError(fmt.Errorf("plain"))
	assert.False(t, ok)
}
