package buildpack

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProgressOnATerminalOnly: a download's progress is one line that is
// rewritten and erased before the next log line, on a terminal; a log
// that is not a terminal gets nothing.
func TestProgressOnATerminalOnly(t *testing.T) {
	var plain bytes.Buffer
	assert.Nil(t, NewLogger(&plain, nil).Progress(), "no progress in logs or --json")

	var tty bytes.Buffer
	l := NewLogger(&tty, []string{"s3cret"})
	l.tty = true
	p := l.Progress()
	require.NotNil(t, p)
	p("https://example.com/s3cret/node-v24.18.0-linux-x64.tar.gz", 500_000, 1_000_000, false)
	p("https://example.com/s3cret/node-v24.18.0-linux-x64.tar.gz", 900_000, 1_000_000, false)
	l.Info("next line")
	p("https://example.com/s3cret/node-v24.18.0-linux-x64.tar.gz", 1_000_000, 1_000_000, true)
	out := tty.String()
	assert.Contains(t, out, "\r       Downloading node-v24.18.0-linux-x64.tar.gz: 0.5 MB of 1.0 MB, ")
	assert.Contains(t, out, "\r       Downloading node-v24.18.0-linux-x64.tar.gz: 0.9 MB of 1.0 MB, ")
	assert.Contains(t, out, "\r\033[K       next line\n", "the progress line is erased before the next line")
	assert.NotContains(t, out, "s3cret")
	assert.Equal(t, 1, strings.Count(out, "\r\033[K"), "erased once: the final report finds nothing shown")
}
