package main

import (
	"os"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/classic"
	"github.com/kiln-dev/kiln/nodejs"
	"github.com/kiln-dev/kiln/php"
	"github.com/kiln-dev/kiln/stacks"
)

func registry() map[string]buildpack.Buildpack {
	return map[string]buildpack.Buildpack{
		"nodejs": nodejs.Buildpack{},
		"php":    php.Buildpack{},
	}
}

func defaultStack() string { return stacks.DefaultName }

func (a *app) engine(env buildpack.Env, stack, force string) *classic.Engine {
	exe, _ := os.Executable()
	return &classic.Engine{
		Executable: exe,
		Buildpacks: registry(),
		Env:        env,
		Stack:      stack,
		Force:      force,
		Out:        a.stdout,
	}
}
