package main

import (
	"fmt"

	"github.com/kiln-dev/kiln/detect"
)

// cmdDetect prints the detected name and succeeds, or exits 1 silently when
// nothing matches, as the classic bin/detect does.
func cmdDetect(a *app, args []string) error {
	if len(args) != 1 {
		return usagef("usage: kiln detect APP")
	}
	r := detect.Dir(args[0])
	if !r.Detected() {
		return &silentExit{code: 1}
	}
	fmt.Fprintln(a.stdout, r.Name)
	return nil
}
