package nodejs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
	"github.com/kiln-dev/kiln/internal/goldenflag"
)

// fuzzLockfiles are the lockfile names the Node.js plan fuzz target picks
// from (index modulo the length; "" is no lockfile).
var fuzzLockfiles = []string{"", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json"}

// FuzzNodePlan plans an app made of arbitrary package.json, lockfile,
// Procfile and .nvmrc contents. Planning must never panic, and whatever it
// refuses must be a user error (a message and a hint, exit 1), never an
// internal one.
func FuzzNodePlan(f *testing.F) {
	f.Add(`{"name":"a","engines":{"node":"24.x","npm":"^11"},"scripts":{"start":"node server.js"}}`, uint8(1),
		`{"lockfileVersion":3,"packages":{"":{"name":"a"}}}`, "web: npm start\n", "24\n")
	f.Fuzz(func(t *testing.T, pkg string, lockKind uint8, lock, procfile, nvmrc string) {
		files := map[string]string{"package.json": pkg, "Procfile": procfile, ".nvmrc": nvmrc}
		if name := fuzzLockfiles[int(lockKind)%len(fuzzLockfiles)]; name != "" {
			files[name] = lock
		}
		buildpacktest.PlanAnything(t, Buildpack{}, files)
	})
}

// TestFuzzSeeds keeps the committed seed corpus of FuzzNodePlan: each Node.js
// fixture's files (-update rewrites it).
func TestFuzzSeeds(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "fixtures", "node-*"))
	require.NoError(t, err)
	var seeds []buildpacktest.FuzzSeed
	read := func(dir, name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if len(b) > 64<<10 {
			b = b[:64<<10] // big lockfiles make slow seeds; their start is what matters
		}
		return string(b)
	}
	for _, d := range dirs {
		if app := filepath.Join(d, "app"); fileExists(app, "package.json") {
			d = app
		}
		if !fileExists(d, "package.json") {
			continue
		}
		kind, lock := uint8(0), ""
		for i, name := range fuzzLockfiles {
			if name != "" && fileExists(d, name) {
				kind, lock = uint8(i), read(d, name)
			}
		}
		name := filepath.Base(d)
		if name == "app" {
			name = filepath.Base(filepath.Dir(d))
		}
		seeds = append(seeds, buildpacktest.FuzzSeed{Name: name, Args: []any{
			read(d, "package.json"), kind, lock, read(d, "Procfile"), read(d, ".nvmrc")}})
	}
	require.NotEmpty(t, seeds)
	buildpacktest.FuzzSeeds(t, "FuzzNodePlan", seeds, goldenflag.Update())
}

// FuzzProcfile reads arbitrary Procfiles: process types are names, commands
// are trimmed and not empty.
func FuzzProcfile(f *testing.F) {
	f.Add("web: npm start\nworker: node worker.js\n# comment\n\n")
	f.Add("web:\nweb2:   \n: x\nweb: a: b\r\n")
	f.Fuzz(func(t *testing.T, procfile string) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644))
		procs, ok := parseProcfile(dir)
		require.True(t, ok)
		for name, cmd := range procs {
			require.Regexp(t, `^[A-Za-z0-9_-]+$`, name)
			require.NotEmpty(t, cmd, "process %s", name)
		}
	})
}
