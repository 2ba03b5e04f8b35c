package buildpack

import (
	"context"
	"time"
)

// TimingRunner wraps a Runner and adds the wall time of every program it runs
// to a Report, so a build can tell its own overhead from the time of the
// programs it runs.
type TimingRunner struct {
	Runner Runner
	Report *Report
}

// Run implements Runner.
func (t TimingRunner) Run(ctx context.Context, c Cmd) error {
	start := time.Now()
	err := t.Runner.Run(ctx, c)
	t.Report.Program(time.Since(start))
	return err
}
