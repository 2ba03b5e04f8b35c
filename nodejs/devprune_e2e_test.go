package nodejs

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// buildWithPlan is e2eBuild with a hook that edits the plan before the
// compile, and an optional discard directory.
func buildWithPlan(t *testing.T, app, cache, discard string, env buildpack.Env, edit func(*buildpack.Plan)) string {
	t.Helper()
	st, err := stacks.Load(stacks.DefaultName)
	require.NoError(t, err)
	var out bytes.Buffer
	ctx := &buildpack.Context{
		Ctx: context.Background(), AppDir: app, CacheDir: cache, Env: env, Stack: st, DiscardDir: discard,
		Log: buildpack.NewLogger(&out, env.SecretValues()), Runner: buildpack.ExecRunner{},
	}
	p, err := Buildpack{}.Plan(ctx)
	require.NoError(t, err)
	edit(&p)
	require.NoError(t, Buildpack{}.Compile(ctx, p), out.String())
	return out.String()
}

// treeListing lists every path under dir/node_modules, with the target of
// each symbolic link, and the content of npm's hidden lockfile.
func treeListing(t *testing.T, dir string) (string, string) {
	t.Helper()
	var b strings.Builder
	root := filepath.Join(dir, "node_modules")
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b.WriteString(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			b.WriteString(" -> " + target)
		}
		b.WriteString("\n")
		return nil
	}))
	hidden, err := os.ReadFile(filepath.Join(root, ".package-lock.json"))
	require.NoError(t, err)
	return b.String(), string(hidden)
}

// TestE2EPruneMovesDevDependenciesFirst builds an app whose
// devDependencies have executables, nested packages and a scope with real
// npm, each way twice: as planned (the lockfile's devDependencies moved
// out, then npm prune, or nothing more when nothing is left for it) and
// with plain `npm prune`. The two node_modules must be the same, down to
// .bin and npm's hidden lockfile, and the app must run. With
// LEAVE_PACKAGE=1 the build script leaves a package npm does not know:
// npm prune must run and remove it. The moved devDependencies fill the
// next build's spare, which a rebuild restores and fills again.
func TestE2EPruneMovesDevDependenciesFirst(t *testing.T) {
	skipShort(t)
	t.Parallel()
	for _, tc := range []struct {
		name, leave, want string
	}{
		{"nothing left for npm", "0", "node_modules holds exactly the production packages of package-lock.json: nothing is left for npm prune to do"},
		{"a package left by the build", "1", "npm prune has work left: node_modules/left-by-build is not a production package of the lockfile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := e2eEnv(map[string]string{"LEAVE_PACKAGE": tc.leave})
			cache := t.TempDir()
			seedCache(t, cache)
			app := e2eApp(t, "node-e2e-prune")
			discard := t.TempDir()
			out := buildWithPlan(t, app, cache, discard, env, func(p *buildpack.Plan) {
				require.NotEmpty(t, p.Settings[setPruneFirst], "planned")
				require.NotEmpty(t, p.Settings[setPruneSkip], "planned")
			})
			assert.Contains(t, out, "Moved the 16 devDependencies of package-lock.json out of node_modules")
			assert.Contains(t, out, "(kept in the cache for the next build)")
			assert.Contains(t, out, tc.want)
			moved, err := os.ReadDir(discard)
			require.NoError(t, err)
			assert.Empty(t, moved, "the packages went into the next build's spare, not the discard directory")
			assertSpareIsSaved(t, cache)

			plainCache := t.TempDir()
			seedCache(t, plainCache)
			plain := e2eApp(t, "node-e2e-prune")
			plainOut := buildWithPlan(t, plain, plainCache, "", env, func(p *buildpack.Plan) {
				delete(p.Settings, setPruneFirst)
				delete(p.Settings, setPruneSkip)
			})
			assert.NotContains(t, plainOut, "Moved the")
			if tc.leave == "1" {
				assert.Contains(t, out, "removed 1 package")
				assert.Contains(t, plainOut, "removed 18 packages")
			}

			gotTree, gotHidden := treeListing(t, app)
			wantTree, wantHidden := treeListing(t, plain)
			assert.Equal(t, wantTree, gotTree)
			assert.Equal(t, wantHidden, gotHidden)
			assert.NotContains(t, gotTree, "mkdirp")
			assert.NotContains(t, gotTree, "left-by-build")
			assert.Contains(t, gotTree, "debug/node_modules/ms\n")
			assert.Contains(t, serve(t, app, "npm start"), "prune app: 2m, devDependencies pruned")

			// A rebuild restores the spare the prune filled, prunes again
			// into the next one, and ends with the same node_modules.
			spareMkdirp := filepath.Join(cache, "node", "deps", "spare", "node_modules", "mkdirp")
			before := inode(t, spareMkdirp)
			again := e2eApp(t, "node-e2e-prune")
			againOut := buildWithPlan(t, again, cache, t.TempDir(), env, func(*buildpack.Plan) {})
			assert.Contains(t, againOut, "Dependencies unchanged since the cached build: restored node_modules")
			assert.Contains(t, againOut, "(kept in the cache for the next build)")
			againTree, againHidden := treeListing(t, again)
			assert.Equal(t, gotTree, againTree)
			assert.Equal(t, gotHidden, againHidden)
			assertSpareIsSaved(t, cache)
			assert.True(t, os.SameFile(before, inode(t, spareMkdirp)), "the devDependency went round: spare, app, next spare")
			assert.Contains(t, serve(t, again, "npm start"), "prune app: 2m, devDependencies pruned")
		})
	}
}
