package main

import (
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/classic"
	"github.com/kiln-dev/kiln/nodejs"
	"github.com/kiln-dev/kiln/php"
	"github.com/kiln-dev/kiln/stacks"
)

// registry lists the buildpacks in detection order, wired to each other: the
// first whose Detect matches an app builds it. PHP comes before Node.js: an
// app with both markers is a PHP app that builds its front-end assets with
// Node.js. Adding a buildpack means adding it here (and to notDetectedHint).
func registry() []buildpack.Buildpack {
	return []buildpack.Buildpack{
		php.Buildpack{Assets: nodejs.Buildpack{}, RuntimeKeys: runtimePublicKey},
		nodejs.Buildpack{},
	}
}

// notDetectedHint says which apps the registered buildpacks build.
const notDetectedHint = "kiln builds Node.js apps (package.json at the root) and PHP apps (composer.json, composer.lock or index.php at the root)."

func defaultStack() string { return stacks.DefaultName }

func (a *app) engine(env buildpack.Env, stack, force string) *classic.Engine {
	exe, _ := os.Executable()
	return &classic.Engine{
		Executable:      exe,
		Buildpacks:      registry(),
		NotDetectedHint: notDetectedHint,
		Env:             env,
		Stack:           stack,
		Force:           force,
		Out:             a.stdout,
		RuntimeStore:    runtimeStore(env),
		Ctx:             a.ctx,
		Runner:          buildpack.ExecRunner{Guard: a.guard},
	}
}

// runtimeStore is the shared runtime store KILN_RUNTIME_STORE names, made
// absolute (the builds run in other directories), or "".
func runtimeStore(env buildpack.Env) string {
	dir := env.Get("KILN_RUNTIME_STORE")
	if dir == "" {
		return ""
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
