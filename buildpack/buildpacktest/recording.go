// Package buildpacktest holds test helpers shared by the buildpacks: a
// recording Runner and golden-file comparison.
package buildpacktest

import (
	"context"
	"sync"

	"github.com/kiln-dev/kiln/buildpack"
)

// RecordingRunner records every command instead of running it. Stub, when
// set, is called for each command and may write output or return an error.
type RecordingRunner struct {
	mu    sync.Mutex
	Calls []buildpack.Cmd
	Stub  func(buildpack.Cmd) error
}

// Run implements buildpack.Runner.
func (r *RecordingRunner) Run(_ context.Context, c buildpack.Cmd) error {
	r.mu.Lock()
	r.Calls = append(r.Calls, c)
	stub := r.Stub
	r.mu.Unlock()
	if stub != nil {
		return stub(c)
	}
	return nil
}

// Commands returns each recorded call as program followed by its arguments.
func (r *RecordingRunner) Commands() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]string, 0, len(r.Calls))
	for _, c := range r.Calls {
		out = append(out, append([]string{c.Name}, c.Args...))
	}
	return out
}
