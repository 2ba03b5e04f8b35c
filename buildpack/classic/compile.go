package classic

import (
	"fmt"
	"os"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/cache"
)

// Compile plans and builds the app in buildDir in place, using cacheDir as
// the build cache (created when missing; "" disables caching).
func (e *Engine) Compile(buildDir, cacheDir string) (*Prepared, error) {
	start := time.Now()
	if cacheDir != "" {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("creating cache directory: %w", err)
		}
	}
	p, err := e.Prepare(buildDir, cacheDir)
	if err != nil {
		return nil, err
	}
	if cacheDir != "" && !e.CacheLocked {
		l, err := LockCache(p.Context.Context(), cacheDir, false, e.out())
		if err != nil {
			return p, err
		}
		defer l.Release()
	}
	// What killed builds left, once, before any buildpack runs, and only
	// under the cache's lock: a build running at the same time is no leftover.
	cache.Sweep(cacheDir)
	if cacheDir != "" {
		// Downloads a killed build left half-written (fetch's ".part-*").
		cache.RemoveTemporaries(cache.Downloads(cacheDir), ".part-")
	}
	log := p.Context.Log
	log.Header("%s app detected (stack %s)", p.Plan.Name, p.Plan.Stack)
	if e.Location != "" {
		log.Info("%s", e.Location)
	}
	for _, w := range p.Plan.Warnings {
		log.Warn("%s", w)
	}
	if err := p.Buildpack.Compile(p.Context, p.Plan); err != nil {
		return p, err
	}
	summary(log, p.Plan.Flat(), time.Since(start))
	describeCache(log, cacheDir, p.Context.RuntimeStore)
	return p, nil
}

// describeCache says, in one line, what the build cache holds after the
// build: what a platform archives and carries to the next build.
func describeCache(log *buildpack.Logger, cacheDir, runtimeStore string) {
	if cacheDir == "" {
		return
	}
	u, err := cache.Measure(cacheDir)
	if err != nil {
		return
	}
	line := "Build cache: " + u.String()
	if runtimeStore != "" {
		line += " (runtimes in the shared store " + runtimeStore + ")"
	}
	log.Info("%s", line)
}

// summary prints the plan's warnings again and what was built; plan is flat
// (buildpack.Plan.Flat), so that it names the runtimes of the plan's parts.
func summary(log *buildpack.Logger, plan buildpack.Plan, took time.Duration) {
	if len(plan.Warnings) > 0 {
		log.Blank()
		log.Header("Warnings")
		for _, w := range plan.Warnings {
			log.Warn("%s", w)
		}
	}
	log.Blank()
	line := plan.Name + " app built"
	for _, r := range plan.Runtimes {
		line += fmt.Sprintf(", %s %s", r.Name, r.Version)
	}
	log.Header("%s in %.1fs", line, took.Seconds())
}
