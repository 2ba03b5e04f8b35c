package boot

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

func TestTailFiles(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app.log")
	server := filepath.Join(dir, "server.log")
	later := filepath.Join(dir, "later.log")
	require.NoError(t, os.WriteFile(app, []byte("before boot\n"), 0o644))
	require.NoError(t, os.WriteFile(server, []byte("server start\n"), 0o644))
	out := &buildpacktest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		tailFiles(ctx, out, []tailFile{{Path: app, FromEnd: true}, {Path: server}, {Path: later, FromEnd: true}})
		close(done)
	}()
	appendTo := func(p, s string) {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		_, err = f.WriteString(s)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	time.Sleep(300 * time.Millisecond)
	appendTo(app, "after boot\npartial")
	appendTo(later, "created later\n")
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, os.WriteFile(server, []byte("rotated\n"), 0o644))
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	got := out.String()
	assert.NotContains(t, got, "before boot")
	for _, want := range []string{"server start\n", "after boot\n", "created later\n", "rotated\n", "partial\n"} {
		assert.Contains(t, got, want)
	}
}
