package nodejs

import (
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/nodejs/prune"
)

// Once the lockfile's devDependencies are moved out, `npm prune` often has
// nothing left to do but rewrite node_modules/.package-lock.json without
// them. kiln skips it when package prune shows that npm would change
// nothing else, and then writes that hidden lockfile itself. Any doubt
// runs npm prune.

// pruneSkippable tells whether the plan may skip npm prune: not when an
// npm setting chooses what is omitted or kept (omit, only, production,
// also, include), which kiln does not model.
func pruneSkippable(app string, env buildpack.Env) bool {
	return !npmConfigSet(app, env, "omit", "only", "production", "also", "include")
}

// pruneWithoutNPM finishes pruning without npm when nothing is left for it
// to do: it writes the hidden lockfile without the moved packages and
// returns "", or returns why npm prune must run.
func (c *compiler) pruneWithoutNPM(lock []byte, moved []string) string {
	app := c.ctx.AppDir
	installed, err := prune.Installed(app)
	if err != nil {
		return err.Error()
	}
	if why := prune.Leftovers(app, lock, installed); why != "" {
		return why
	}
	hiddenPath := filepath.Join(app, "node_modules", ".package-lock.json")
	hidden, err := os.ReadFile(hiddenPath)
	if err != nil {
		return "no node_modules/.package-lock.json"
	}
	out, why := prune.HiddenLockfile(hidden, moved, installed)
	if why != "" {
		return why
	}
	if string(out) == string(hidden) {
		return ""
	}
	tmp := hiddenPath + ".kiln-new"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err.Error()
	}
	if err := os.Rename(tmp, hiddenPath); err != nil {
		_ = os.Remove(tmp)
		return err.Error()
	}
	return ""
}
