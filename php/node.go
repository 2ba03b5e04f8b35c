package php

import (
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/nodejs"
)

// nodeSettingPrefix marks the Node.js plan's settings inside the PHP plan.
const nodeSettingPrefix = "node."

// nodeRuntimes are the runtime names the Node.js plan may add.
func nodeRuntimes() []string { return []string{"node", "npm", "yarn", "pnpm"} }

// nodeSteps adds the Node.js asset build before Composer when the app has a
// package.json, unless PHP_BUILDPACK_NO_NODE=true: the Node.js runtime, the
// dependencies including devDependencies, the build script, then pruning.
// Its runtimes, steps, caches and warnings join the PHP plan; its settings
// are kept under "node.".
func (pl *planner) nodeSteps() error {
	if !fileExists(pl.ctx.AppDir, "package.json") || pl.env.Bool("PHP_BUILDPACK_NO_NODE") {
		return nil
	}
	np, err := nodejs.PlanAssets(pl.ctx)
	if err != nil {
		return err
	}
	pl.p.Runtimes = append(pl.p.Runtimes, np.Runtimes...)
	pl.p.Steps = append(pl.p.Steps, np.Steps...)
	pl.p.Caches = append(pl.p.Caches, np.Caches...)
	pl.p.Warnings = append(pl.p.Warnings, np.Warnings...)
	for k, v := range np.Settings {
		pl.p.Settings[nodeSettingPrefix+k] = v
	}
	return nil
}

// nodeSubplan rebuilds the Node.js plan of the given steps from the PHP
// plan, for nodejs.Buildpack.Compile. Warnings stay out: they were printed
// with the PHP plan's.
func nodeSubplan(p buildpack.Plan, steps []buildpack.Step) buildpack.Plan {
	sub := buildpack.Plan{Buildpack: "nodejs", Name: "Node.js", Stack: p.Stack, Steps: steps,
		Processes: map[string]string{}, Settings: map[string]string{}}
	for _, rt := range p.Runtimes {
		if contains(nodeRuntimes(), rt.Name) {
			sub.Runtimes = append(sub.Runtimes, rt)
		}
	}
	for _, c := range p.Caches {
		if c != "composer" && c != "downloads" {
			sub.Caches = append(sub.Caches, c)
		}
	}
	keys := make([]string, 0, len(p.Settings))
	for k := range p.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, nodeSettingPrefix); ok {
			sub.Settings[name] = p.Settings[k]
		}
	}
	sub.Normalize()
	return sub
}
