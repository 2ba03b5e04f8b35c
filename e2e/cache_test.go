package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cacheListing is the part of `kiln cache ls --json` this test reads.
type cacheListing struct {
	Apps []struct {
		Dir  string `json:"dir"`
		App  string `json:"app"`
		Gone bool   `json:"gone"`
	} `json:"apps"`
	Runtimes []struct {
		Name string `json:"name"`
	} `json:"runtimes"`
}

// TestCacheCommands builds real apps with the default caches (under a
// user cache directory of the test's own), then lists, prunes, limits and
// cleans them with kiln cache and KILN_CACHE_MAX.
func TestCacheCommands(t *testing.T) {
	skipShort(t)
	t.Parallel()
	kiln := buildKiln(t, t.TempDir())
	xdg := t.TempDir()
	var env []string // the default caches, whatever the host's settings
	for _, kv := range hostEnv("KILN_PHP_RUNTIME=system", "XDG_CACHE_HOME="+xdg) {
		if !strings.HasPrefix(kv, "KILN_RUNTIME_STORE=") && !strings.HasPrefix(kv, "KILN_CACHE_MAX=") {
			env = append(env, kv)
		}
	}
	apps := map[string]string{}
	build := func(name string, extra ...string) result {
		t.Helper()
		if _, ok := apps[name]; !ok {
			apps[name] = copyTree(t, filepath.Join(repoRoot(t), "examples", "php-classic"))
		}
		r := runCmd(t, append(env, extra...), "", kiln, "build", apps[name])
		require.Equal(t, 0, r.code, describe(r))
		return r
	}
	list := func() cacheListing {
		t.Helper()
		r := runCmd(t, env, "", kiln, "cache", "ls", "--json")
		require.Equal(t, 0, r.code, describe(r))
		var ls cacheListing
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &ls), r.stdout)
		return ls
	}
	listed := func(ls cacheListing) map[string]bool {
		out := map[string]bool{}
		for _, a := range ls.Apps {
			out[a.App] = a.Gone
		}
		return out
	}

	build("a")
	build("b")
	ignore, err := os.ReadFile(filepath.Join(apps["a"], ".kiln", ".gitignore"))
	require.NoError(t, err)
	assert.Equal(t, "*\n", string(ignore), "kiln build keeps .kiln out of Git")
	// A runtime no build used for 40 days.
	old := filepath.Join(xdg, "kiln", "runtimes", "node", "node-20.1.0")
	require.NoError(t, os.MkdirAll(filepath.Join(old, "tree"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(old, "key.json"), []byte("{}"), 0o644))
	long := time.Now().AddDate(0, 0, -40)
	require.NoError(t, os.Chtimes(filepath.Join(old, "key.json"), long, long))
	require.NoError(t, os.Chtimes(old, long, long))

	ls := list()
	assert.Equal(t, map[string]bool{apps["a"]: false, apps["b"]: false}, listed(ls))
	require.Len(t, ls.Runtimes, 1)
	assert.Equal(t, "node/node-20.1.0", ls.Runtimes[0].Name)

	require.NoError(t, os.RemoveAll(apps["b"]))
	r := runCmd(t, env, "", kiln, "cache", "ls")
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stdout, apps["b"]+" (gone)\n")
	assert.Contains(t, r.stdout, "node/node-20.1.0\n")

	r = runCmd(t, env, "", kiln, "cache", "prune")
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stdout, "Removed the cache of "+apps["b"]+": app gone (")
	assert.Contains(t, r.stdout, "Removed node/node-20.1.0 from the runtime store: not used since ")
	assert.Contains(t, r.stdout, "Freed ")
	assert.Equal(t, map[string]bool{apps["a"]: false}, listed(list()))
	assert.NoDirExists(t, old)

	// Over KILN_CACHE_MAX, a build removes the other apps' caches, never
	// its own.
	delete(apps, "b")
	build("b")
	build("c")
	r = build("a", "KILN_CACHE_MAX=1")
	assert.Contains(t, r.stdout, "-----> Caches over KILN_CACHE_MAX (1 B): removed the least recently used 2 app caches, ")
	assert.Equal(t, map[string]bool{apps["a"]: false}, listed(list()))

	r = runCmd(t, env, "", kiln, "cache", "clean", apps["a"])
	require.Equal(t, 0, r.code, describe(r))
	assert.Contains(t, r.stdout, "Removed the cache of "+apps["a"]+" (")
	assert.Empty(t, list().Apps)
}
