// Package buildpack is kiln's language-agnostic engine: the Plan data model,
// the build Context, environment loading, logging, the Runner, and errors.
// Language buildpacks (nodejs, php) implement Buildpack on top of it.
package buildpack

// Buildpack is implemented by each language buildpack.
type Buildpack interface {
	// ID is the buildpack identifier, "nodejs" or "php".
	ID() string
	// Plan decides what a build will do. It reads files and ctx.Env only: it
	// never runs a program or touches the network, and is deterministic.
	Plan(ctx *Context) (Plan, error)
	// Compile carries out a plan in ctx.AppDir.
	Compile(ctx *Context, p Plan) error
}
