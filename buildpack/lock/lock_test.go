package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNoWaitFailsWhileHeldAndNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	held, err := Acquire(context.Background(), path, Options{})
	require.NoError(t, err)

	_, err = Acquire(context.Background(), path, Options{NoWait: true})
	var busy *BusyError
	require.True(t, errors.As(err, &busy), "got %v", err)
	assert.Equal(t, os.Getpid(), busy.PID)
	assert.Equal(t, path, busy.Path)

	require.NoError(t, held.Release())
	require.NoError(t, held.Release(), "a second release is harmless")
	again, err := Acquire(context.Background(), path, Options{NoWait: true})
	require.NoError(t, err, "a released lock is free")
	require.NoError(t, again.Release())
}

func TestWaitsForTheHolderAndSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	held, err := Acquire(context.Background(), path, Options{})
	require.NoError(t, err)

	waiting := make(chan int, 1)
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(context.Background(), path, Options{Waiting: func(pid int) { waiting <- pid }})
		if err == nil {
			err = l.Release()
		}
		got <- err
	}()
	assert.Equal(t, os.Getpid(), <-waiting, "the waiter is told who holds the lock")
	select {
	case err := <-got:
		t.Fatalf("acquired a held lock: %v", err)
	default:
	}
	require.NoError(t, held.Release())
	require.NoError(t, <-got, "the waiter gets the lock once it is released")
}

func TestWaitEndsWithTheContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	held, err := Acquire(context.Background(), path, Options{})
	require.NoError(t, err)
	defer held.Release()

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = Acquire(ctx, path, Options{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestMissingDirectoryIsAnError(t *testing.T) {
	_, err := Acquire(context.Background(), filepath.Join(t.TempDir(), "no", "lock"), Options{})
	assert.ErrorContains(t, err, "opening lock file")
}

// TestSharedLocks: shared holders hold the lock together; an exclusive
// one is refused (with NoWait) until the last of them releases it.
func TestSharedLocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, err := Acquire(context.Background(), path, Options{Shared: true})
	require.NoError(t, err)
	b, err := Acquire(context.Background(), path, Options{Shared: true, NoWait: true})
	require.NoError(t, err, "a second reader does not wait")
	_, err = Acquire(context.Background(), path, Options{NoWait: true})
	var busy *BusyError
	require.ErrorAs(t, err, &busy, "a writer waits for the readers")
	require.NoError(t, a.Release())
	_, err = Acquire(context.Background(), path, Options{NoWait: true})
	require.ErrorAs(t, err, &busy, "and for the last of them")
	require.NoError(t, b.Release())
	w, err := Acquire(context.Background(), path, Options{NoWait: true})
	require.NoError(t, err)
	require.NoError(t, w.Release())
}
