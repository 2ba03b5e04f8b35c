package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/buildpack/lock"
)

// nodeAppWithoutDependencies writes a Node.js app that needs nothing from
// the network once Node.js is in the cache.
func nodeAppWithoutDependencies(t *testing.T) string {
	t.Helper()
	app := filepath.Join(t.TempDir(), "app")
	require.NoError(t, os.MkdirAll(app, 0o755))
	for name, body := range map[string]string{
		"package.json": `{"name":"two-builds","version":"1.0.0","engines":{"node":"24.x"},` +
			`"scripts":{"start":"node server.js","build":"node -e \"require('fs').writeFileSync('built.txt','ok')\""}}`,
		"package-lock.json": `{"name":"two-builds","version":"1.0.0","lockfileVersion":3,"requires":true,` +
			`"packages":{"":{"name":"two-builds","version":"1.0.0","engines":{"node":"24.x"}}}}`,
		"server.js": "console.log('hello')\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(app, name), []byte(body), 0o644))
	}
	return app
}

// builtOnce builds kiln and a Node.js app without dependencies once, so
// that Node.js is in the returned cache.
func builtOnce(t *testing.T) (kiln, app, cache string, env []string) {
	t.Helper()
	skipShort(t)
	kiln = buildKiln(t, t.TempDir())
	app = nodeAppWithoutDependencies(t)
	cache = t.TempDir()
	env = hostEnv()
	_, r := kilnBuild(t, kiln, env, "--cache", cache, app)
	require.Equal(t, 0, r.code, describe(r))
	return kiln, app, cache, env
}

// TestTwoBuildsOfOneAppAtOnce starts two builds of one app with one cache
// together, 20 times: the second waits for the first (the output's and the
// cache's locks), and both succeed with a complete slug and an untouched
// app.
func TestTwoBuildsOfOneAppAtOnce(t *testing.T) {
	kiln, app, cache, env := builtOnce(t)
	source := dirListing(t, app, ".kiln")

	waited := 0
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		results := make([]result, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = runCmd(t, env, "", kiln, "build", "--cache", cache, app)
			}()
		}
		wg.Wait()
		for i, r := range results {
			require.Equal(t, 0, r.code, "round %d, build %d: %s", round, i, describe(r))
			if strings.Contains(r.stdout, "Waiting for another build of") {
				waited++
			}
		}
		slug := filepath.Join(app, ".kiln", "slug")
		built, err := os.ReadFile(filepath.Join(slug, "built.txt"))
		require.NoError(t, err, "round %d", round)
		assert.Equal(t, "ok", string(built))
		fi, err := os.Stat(filepath.Join(slug, ".scalingo", "node", "bin", "node"))
		require.NoError(t, err, "round %d", round)
		assert.Greater(t, fi.Size(), int64(1_000_000), "round %d: a complete node", round)
		require.Equal(t, source, dirListing(t, app, ".kiln"), "round %d: the app's own files are untouched", round)
	}
	t.Logf("in %d of 20 rounds one build waited for the other", waited)
}

// dirListing lists the names under dir, leaving out skip (kiln's own).
func dirListing(t *testing.T, dir, skip string) []string {
	t.Helper()
	var names []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == skip {
			return filepath.SkipDir
		}
		names = append(names, rel)
		return nil
	}))
	return names
}

// TestBuildWaitsForTheLockOrFailsWithNoWait holds an app's output lock as
// another build would: `kiln build --no-wait` fails at once naming the
// holder, `kiln build` says it waits and finishes once the lock is free.
func TestBuildWaitsForTheLockOrFailsWithNoWait(t *testing.T) {
	kiln, app, cache, env := builtOnce(t)
	for _, path := range []string{filepath.Join(app, ".kiln", ".slug.lock"), filepath.Join(cache, ".kiln.lock")} {
		held, err := lock.Acquire(context.Background(), path, lock.Options{})
		require.NoError(t, err)

		r := runCmd(t, env, "", kiln, "build", "--no-wait", "--cache", cache, app)
		assert.NotEqual(t, 0, r.code, describe(r))
		assert.Contains(t, r.stderr, "another build (pid "+strconv.Itoa(os.Getpid())+") is using", describe(r))
		assert.Contains(t, r.stderr, "--no-wait", "the hint says how to wait instead")

		cmd := exec.Command(kiln, "build", "--cache", cache, app)
		cmd.Env = env
		var out buildpacktest.SyncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "Waiting for another build of") },
			time.Minute, 20*time.Millisecond, "the build says it waits")
		assert.Contains(t, out.String(), "(pid "+strconv.Itoa(os.Getpid())+")")
		require.NoError(t, held.Release())
		require.NoError(t, cmd.Wait(), out.String())
	}
}
