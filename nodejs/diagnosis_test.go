package nodejs

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/buildpacktest"
)

// TestFailureAdvice: a failed command's output is printed in full, then
// the advice, then the build fails with the command's exit status; output
// that no rule knows gets no advice.
func TestFailureAdvice(t *testing.T) {
	for _, tc := range []struct {
		name, output, advice string
		code                 int
	}{
		{"recognised", "sh: 1: vite: not found\n", " !     vite was not found: NPM_CONFIG_PRODUCTION=true keeps devDependencies out of the install", 127},
		{"unknown", "something else went wrong\n", "", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := fixtureContext(t, filepath.Join("..", "fixtures", "node-build-flags"))
			ctx.Env = ctx.Env.Merge(map[string]string{"NPM_CONFIG_PRODUCTION": "true"}).With("PATH", "/usr/bin")
			p, err := Buildpack{}.Plan(ctx)
			require.NoError(t, err)
			var steps []buildpack.Step
			for _, s := range p.Steps {
				if len(s.Command) > 0 || s.Name == stepEnvironment {
					steps = append(steps, s)
				}
			}
			p.Steps = steps
			var log bytes.Buffer
			ctx.Log = buildpack.NewLogger(&log, nil)
			ctx.CacheDir = t.TempDir()
			ctx.Runner = &buildpacktest.RecordingRunner{Stub: func(c buildpack.Cmd) error {
				if len(c.Args) > 1 && c.Args[1] == "build" {
					fmt.Fprint(c.Stdout, tc.output)
					return &buildpack.ExitError{Code: tc.code}
				}
				return nil
			}}
			err = Buildpack{}.Compile(ctx, p)
			var ee *buildpack.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, tc.code, ee.Code)
			assert.Equal(t, stepBuild, ee.Step)
			out := log.String()
			if tc.advice == "" {
				assert.NotContains(t, out, " !     ")
				return
			}
			assertOrder(t, out, "       "+tc.output[:len(tc.output)-1], tc.advice)
		})
	}
}
