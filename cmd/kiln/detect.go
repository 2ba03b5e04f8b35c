package main

import (
	"fmt"
)

// cmdDetect prints the detected name and succeeds, or exits 1 silently when
// nothing matches, as the classic bin/detect does.
func cmdDetect(a *app, args []string) error {
	if len(args) != 1 {
		return usagef("usage: kiln detect APP")
	}
	d, err := a.engine(a.env, "", "").Detect(args[0])
	if err != nil {
		return err
	}
	if !d.Detected() {
		return &silentExit{code: 1}
	}
	fmt.Fprintln(a.stdout, d.Name)
	return nil
}
