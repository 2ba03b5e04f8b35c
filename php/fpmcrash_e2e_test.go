package php

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/php/boot"
)

// children lists the processes whose parent is ppid, by their command
// names (/proc/PID/stat).
func children(t *testing.T, ppid int) map[int]string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	out := map[int]string{}
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue // ended meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ")".
		i := strings.LastIndexByte(string(b), ')')
		j := strings.IndexByte(string(b), '(')
		if i < 0 || j < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(ppid) {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:j])))
		out[pid] = string(b[j+1 : i])
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// A PHP-FPM master killed with SIGKILL leaves its workers behind, holding
// the servers' output; the web process must still notice at once, stop
// nginx and the orphans, and fail naming PHP-FPM.
func TestEndToEndFPMMasterCrashEndsTheWebProcess(t *testing.T) {
	requireHostRuntime(t)
	app, _ := buildApp(t, "php-e2e-classic", nil)
	b := bootApp(t, app, nil)
	code, _ := b.get(t, "/")
	require.Equal(t, 200, code)

	master := 0
	for pid, comm := range children(t, os.Getpid()) {
		if strings.HasPrefix(comm, "php-fpm") {
			master = pid
		}
	}
	require.NotZero(t, master, "the PHP-FPM master is a child of the boot command")
	workers := children(t, master)
	require.NotEmpty(t, workers, "PHP-FPM started workers")

	require.NoError(t, syscall.Kill(master, syscall.SIGKILL))
	b.stopped = true
	select {
	case err := <-b.done:
		var se *boot.ServerError
		require.True(t, errors.As(err, &se), "want a ServerError, got %v", err)
		assert.Equal(t, "php-fpm", se.Process)
		assert.Contains(t, b.errs.String(), "Boot failed: php-fpm exited unexpectedly (signal: killed)")
	case <-time.After(10 * time.Second):
		t.Fatalf("the web process did not end within 10 s of the PHP-FPM master's death\n%s", b.errs.String())
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", b.port), time.Second)
	if err == nil {
		c.Close()
	}
	assert.Error(t, err, "nginx is stopped")
	assert.Eventually(t, func() bool {
		for pid := range workers {
			if alive(pid) {
				return false
			}
		}
		return true
	}, 5*time.Second, 50*time.Millisecond, "the orphaned workers are gone")
}
