package main

import (
	"io"
	"testing"

	"github.com/kiln-dev/kiln/buildpack"
)

// BenchmarkDetectAndPlan measures detection plus planning of typical apps,
// the work `kiln plan` does besides starting the process.
func BenchmarkDetectAndPlan(b *testing.B) {
	for _, tc := range []struct{ name, dir string }{
		{"nodejs-express", "../../examples/nodejs-express"},
		{"bench-large", "../../bench/apps/large"},
		{"php-classic", "../../examples/php-classic"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a := &app{stdout: io.Discard, stderr: io.Discard}
			for b.Loop() {
				if _, err := a.engine(buildpack.Env{}, "", "").Prepare(tc.dir, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
