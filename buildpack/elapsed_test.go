package buildpack

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestElapsed(t *testing.T) {
	assert.Equal(t, "<1ms", Elapsed(time.Now().Add(time.Hour)), "a start in the future is under a millisecond ago")
	assert.Regexp(t, `^1\.5(\d{0,3})s$`, Elapsed(time.Now().Add(-1500*time.Millisecond)))
}
