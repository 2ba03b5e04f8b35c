package buildpack

import (
	"encoding/json"
	"maps"
	"slices"
)

// Plan is what a build will do, decided before anything runs. It is pure data:
// deterministic, free of host paths and timestamps, and serialised as the
// stable JSON document printed by `kiln plan --json`.
type Plan struct {
	// Buildpack is "nodejs" or "php".
	Buildpack string `json:"buildpack"`
	// Name is the detected name as the platform prints it, e.g. "Node.js".
	Name string `json:"name"`
	// Stack is the stack the build targets.
	Stack string `json:"stack"`
	// Runtimes are the resolved runtimes, in installation order.
	Runtimes []Runtime `json:"runtimes"`
	// Steps are executed in order by compile.
	Steps []Step `json:"steps"`
	// Caches lists the app-relative directories kept between builds.
	Caches []string `json:"caches"`
	// Processes maps a process type to its command line.
	Processes map[string]string `json:"processes"`
	// Settings holds buildpack-specific decisions (framework, document root, ...).
	Settings map[string]string `json:"settings"`
	// Warnings are printed during the build; they never stop it.
	Warnings []string `json:"warnings"`
	// Parts are plans of other buildpacks that this plan composes, such as
	// the Node.js assets of a PHP app. Code works with each as a plan of its
	// own; only the flat form (Flat, and so the JSON document) merges them
	// into this plan.
	Parts []Part `json:"-"`
}

// Part is another buildpack's plan carried out by one step of the plan that
// composes it. It has no warnings of its own (the composing planner moves
// them into its plan, where they are printed) and launches no process.
type Part struct {
	// Step is the name of the composing plan's step that carries the part
	// out; in the flat form the part's steps stand in its place.
	Step string
	// SettingsPrefix goes before the part's settings keys in the flat form,
	// e.g. "node.".
	SettingsPrefix string
	// Plan is the part's plan.
	Plan Plan
}

// Runtime is one resolved program version and where the request came from.
type Runtime struct {
	// Name is one of node, npm, yarn, pnpm, php, nginx, composer.
	Name string `json:"name"`
	// Version is the exact version that will be installed ("bundled" when it
	// is whatever ships with another runtime).
	Version string `json:"version"`
	// Requested is the request as the user wrote it ("" when none).
	Requested string `json:"requested"`
	// Source says where the request came from, e.g. "package.json engines.node".
	Source string `json:"source"`
}

// Step is one unit of the build. Steps with a Command run it through the
// Runner; steps without one are carried out by the buildpack itself (installing
// a runtime, restoring a cache) and are named for what they do.
type Step struct {
	// Name identifies the step, e.g. "install-node" or "npm-ci".
	Name string `json:"name"`
	// Command is the program and its arguments, or empty for built-in steps.
	Command []string `json:"command"`
	// Env holds variables set for this step only, beyond the build environment.
	Env map[string]string `json:"env,omitempty"`
	// Dir is the working directory relative to the app, "" meaning the app root.
	Dir string `json:"dir,omitempty"`
}

// Runtime returns the runtime with the given name, or nil.
func (p *Plan) Runtime(name string) *Runtime {
	for i := range p.Runtimes {
		if p.Runtimes[i].Name == name {
			return &p.Runtimes[i]
		}
	}
	return nil
}

// Step returns the first step with the given name, or nil.
func (p *Plan) Step(name string) *Step {
	for i := range p.Steps {
		if p.Steps[i].Name == name {
			return &p.Steps[i]
		}
	}
	return nil
}

// Part returns the part that the step of the given name carries out, or nil.
func (p *Plan) Part(step string) *Part {
	for i := range p.Parts {
		if p.Parts[i].Step == step {
			return &p.Parts[i]
		}
	}
	return nil
}

// Flat returns the plan with its parts merged in, as the JSON document and
// people see it: the parts' runtimes after the plan's own, each part's steps
// in place of the step that carries it out, the parts' caches before the
// plan's own, and the parts' settings under their prefix. A plan without
// parts is returned as it is.
func (p Plan) Flat() Plan {
	if len(p.Parts) == 0 {
		return p
	}
	f := p
	f.Parts = nil
	f.Runtimes = slices.Clone(p.Runtimes)
	f.Settings = make(map[string]string, len(p.Settings))
	maps.Copy(f.Settings, p.Settings)
	var caches []string
	steps := make(map[string][]Step, len(p.Parts))
	for _, part := range p.Parts {
		sub := part.Plan.Flat()
		f.Runtimes = append(f.Runtimes, sub.Runtimes...)
		caches = append(caches, sub.Caches...)
		for k, v := range sub.Settings {
			f.Settings[part.SettingsPrefix+k] = v
		}
		steps[part.Step] = sub.Steps
	}
	f.Caches = append(caches, p.Caches...)
	f.Steps = nil
	for _, s := range p.Steps {
		if sub, ok := steps[s.Name]; ok {
			f.Steps = append(f.Steps, sub...)
		} else {
			f.Steps = append(f.Steps, s)
		}
	}
	f.Normalize()
	return f
}

// MarshalJSON writes the flat form of the plan (see Flat): the stable
// document of `kiln plan --json`, whatever parts the plan is made of.
func (p Plan) MarshalJSON() ([]byte, error) {
	type document Plan // the same fields, without this method
	return json.Marshal(document(p.Flat()))
}

// Warn appends a warning to the plan.
func (p *Plan) Warn(msg string) {
	p.Warnings = append(p.Warnings, msg)
}

// Normalize replaces nil collections by empty ones so the JSON form is stable.
func (p *Plan) Normalize() {
	if p.Runtimes == nil {
		p.Runtimes = []Runtime{}
	}
	if p.Steps == nil {
		p.Steps = []Step{}
	}
	for i := range p.Steps {
		if p.Steps[i].Command == nil {
			p.Steps[i].Command = []string{}
		}
	}
	if p.Caches == nil {
		p.Caches = []string{}
	}
	if p.Processes == nil {
		p.Processes = map[string]string{}
	}
	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	for i := range p.Parts {
		p.Parts[i].Plan.Normalize()
	}
}
