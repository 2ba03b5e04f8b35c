package nodejs

import (
	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/nodejs/diagnose"
)

// adviseFailure prints, after the output of a failed command, what to do
// about the failure when kiln recognises it (package diagnose). The
// original output has already been printed in full.
func (c *compiler) adviseFailure(step, output string, code int) {
	f := diagnose.Failure{
		Output: output, ExitCode: code, Manager: c.set.PackageManager, Lockfile: c.set.Lockfile,
		Registry: c.set.Registry, Pruned: c.pruned, Script: runsAppScript(step),
	}
	if v, _ := lookupAny(c.env, "NPM_CONFIG_PRODUCTION"); v == "true" && f.Manager == "npm" {
		f.DevOmitted = "NPM_CONFIG_PRODUCTION=true"
	}
	if c.set.YarnFlavor == "classic" && c.env.Get("YARN_PRODUCTION") == "true" {
		f.DevOmitted = "YARN_PRODUCTION=true"
	}
	if pkg, _, err := loadPackageJSON(c.ctx.AppDir); err == nil {
		f.Dependencies, f.DevDependencies = pkg.keys("dependencies"), pkg.keys("devDependencies")
	}
	if a, ok := diagnose.Diagnose(f); ok {
		c.log.Warn("%s", a.Text)
	}
}

// runsAppScript reports whether the step runs one of the app's scripts
// rather than the package manager's own work.
func runsAppScript(step string) bool {
	switch step {
	case stepPrebuild, stepBuild, stepCleanup, stepMeteorBuild:
		return true
	}
	return false
}

// keys returns the keys of the object at path.
func (p pkgJSON) keys(path string) []string {
	var out []string
	p.raw.Get(gjson.Escape(path)).ForEach(func(k, _ gjson.Result) bool {
		out = append(out, k.String())
		return true
	})
	return out
}
