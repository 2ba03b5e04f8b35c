package buildpack

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecRunner(t *testing.T) {
	var out bytes.Buffer
	env := Env{"PATH": os.Getenv("PATH"), "GREETING": "hello"}
	dir := t.TempDir()
	err := ExecRunner{}.Run(context.Background(), Cmd{
		Name: "sh", Args: []string{"-c", "echo $GREETING from $(pwd)"},
		Dir: dir, Env: env, Stdout: &out,
	})
	require.NoError(t, err)
	assert.Equal(t, "hello from "+dir+"\n", out.String())

	err = ExecRunner{}.Run(context.Background(), Cmd{Name: "sh", Args: []string{"-c", "exit 3"}, Env: env})
	var ee *ExitError
	require.True(t, errors.As(err, &ee))
	assert.Equal(t, 3, ee.Code)

	err = ExecRunner{}.Run(context.Background(), Cmd{Name: "definitely-not-a-program", Env: env})
	assert.Error(t, err)
}

func TestExecRunnerCancelKillsTheProcessGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := ExecRunner{}.Run(ctx, Cmd{Name: "sh", Args: []string{"-c", "sleep 30 & sleep 30"}, Env: Env{"PATH": os.Getenv("PATH")}})
	assert.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestLookPath(t *testing.T) {
	p, err := LookPath("sh", "/nonexistent:"+os.Getenv("PATH"))
	require.NoError(t, err)
	assert.FileExists(t, p)
	_, err = LookPath("sh", "/nonexistent")
	assert.Error(t, err)
}
