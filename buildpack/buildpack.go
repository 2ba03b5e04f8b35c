// Package buildpack is kiln's language-agnostic engine: the Plan data model,
// the build Context, environment loading, logging, the Runner, and errors.
// Language buildpacks (nodejs, php) implement Buildpack on top of it.
package buildpack

import "io/fs"

// Buildpack is implemented by each language buildpack. The engines (classic,
// kiln build) hold an ordered list of them and ask each in turn to Detect an
// app; none of them names a language.
type Buildpack interface {
	// ID is the buildpack identifier, "nodejs" or "php"; --buildpack forces
	// a buildpack by it.
	ID() string
	// Detect reports, from the app's files alone, whether this buildpack
	// builds the app, and the name the platform prints for it, e.g.
	// "PHP (composer.json)". When ok is false, name is what a build forced
	// onto this buildpack is called. Detect reads app and nothing else.
	Detect(app fs.FS) (name string, ok bool)
	// Plan decides what a build will do. It reads files and ctx.Env only: it
	// never runs a program or touches the network, and is deterministic.
	Plan(ctx *Context) (Plan, error)
	// Compile carries out a plan in ctx.AppDir.
	Compile(ctx *Context, p Plan) error
}

// DetectExplainer is implemented by buildpacks that can say why they do
// not build an app (the classic bin/detect prints it on stderr).
type DetectExplainer interface {
	// NotDetectedReason explains, from the app's files alone, why Detect
	// did not match; "" when there is nothing specific to say.
	NotDetectedReason(app fs.FS) string
}

// AssetBuilder builds an app's front-end assets inside another buildpack's
// build: the Node.js buildpack does it for PHP apps with a package.json. The
// composing buildpack holds one as a field, wired where the buildpacks are
// registered, so that no language package imports another. Its plan becomes
// a Part of the composing plan.
type AssetBuilder interface {
	// PlanAssets plans the asset build, under the same rules as
	// Buildpack.Plan.
	PlanAssets(ctx *Context) (Plan, error)
	// Compile carries out a plan made by PlanAssets.
	Compile(ctx *Context, p Plan) error
}
