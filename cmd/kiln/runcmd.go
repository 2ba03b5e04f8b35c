package main

import (
	"errors"
	"flag"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
)

// cmdRun starts a process type (default web) or a command from a slug.
func cmdRun(a *app, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var env envFlag
	fs.Var(&env, "env", "set a variable KEY=VALUE for the process (repeatable)")
	port := fs.Int("port", 0, "the PORT of the process (default: PORT from the environment, else 5000)")
	pos, rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 || (len(pos) == 2 && len(rest) > 0) {
		return usagef("usage: kiln %s", commands()["run"].usage)
	}
	opts := local.RunOptions{
		Slug:      pos[0],
		Command:   rest,
		Env:       a.env,
		Overrides: buildpack.EnvFromList(env),
		Port:      *port,
		Stdout:    a.stdout,
		Stderr:    a.stderr,
	}
	if len(pos) == 2 {
		opts.Process = pos[1]
	}
	err = local.Run(a.ctx, opts)
	var ee *buildpack.ExitError
	if errors.As(err, &ee) {
		// The process already said what went wrong; pass its status on.
		return &silentExit{code: ee.Code}
	}
	return err
}
