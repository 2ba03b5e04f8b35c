package main

import (
	"fmt"
)

// cmdDetect prints the detected name and succeeds, or exits 1 when nothing
// matches, saying why on stderr (the classic bin/detect may write there).
func cmdDetect(a *app, args []string) error {
	if len(args) != 1 {
		return usagef("usage: kiln detect APP")
	}
	e := a.engine(a.env, "", "")
	d, err := e.Detect(args[0])
	if err != nil {
		return err
	}
	if !d.Detected() {
		return e.NotDetected(args[0])
	}
	fmt.Fprintln(a.stdout, d.Name)
	return nil
}
