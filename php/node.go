package php

import "github.com/kiln-dev/kiln/buildpack"

// nodeSettingPrefix is put before the Node.js part's settings keys in the
// flat form of the plan.
const nodeSettingPrefix = "node."

// nodeSteps adds the Node.js asset build before Composer when the app has a
// package.json, unless PHP_BUILDPACK_NO_NODE=true: the Node.js runtime, the
// dependencies including devDependencies, the build script, then pruning.
// The asset builder's plan becomes a part of the PHP plan, carried out by the
// step stepBuildAssets; its warnings join the PHP plan's, which the engine
// prints.
func (pl *planner) nodeSteps() error {
	if pl.assets == nil || !fileExists(pl.ctx.AppDir, "package.json") || pl.env.Bool("PHP_BUILDPACK_NO_NODE") {
		return nil
	}
	ap, err := pl.assets.PlanAssets(pl.ctx)
	if err != nil {
		return err
	}
	pl.p.Warnings = append(pl.p.Warnings, ap.Warnings...)
	ap.Warnings = nil
	ap.Normalize()
	pl.p.Steps = append(pl.p.Steps, buildpack.Step{Name: stepBuildAssets})
	pl.p.Parts = append(pl.p.Parts, buildpack.Part{Step: stepBuildAssets, SettingsPrefix: nodeSettingPrefix, Plan: ap})
	return nil
}
