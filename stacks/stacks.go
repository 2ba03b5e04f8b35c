// Package stacks holds the per-stack version tables (embedded TOML) and the
// resolution of version requests against them: npm ranges for Node.js,
// Composer constraints for PHP, nginx and Composer itself.
package stacks

// DefaultName is the stack used when STACK is unset.
const DefaultName = "scalingo-26"

// Stack is one stack's version tables.
type Stack struct {
	// Name is the stack's identifier, e.g. "scalingo-26".
	Name string `toml:"name"`
	// Deprecated is true for stacks being phased out.
	Deprecated bool `toml:"deprecated"`
	// Discontinued is the ISO date after which the stack stops working, if any.
	Discontinued string `toml:"discontinued"`
	// Node, PHP, Nginx and Composer are the component tables.
	Node     Component `toml:"node"`
	PHP      Component `toml:"php"`
	Nginx    Component `toml:"nginx"`
	Composer Component `toml:"composer"`
}

// Component is the table of one program: its release lines and default.
type Component struct {
	// Default is the line used when nothing is requested, e.g. "24".
	Default string `toml:"default"`
	// Lines lists release lines, oldest first.
	Lines []Line `toml:"lines"`
}

// Line is a release line (a Node.js major, a PHP minor) and its versions.
type Line struct {
	// Name is the line, e.g. "22", "8.4", "1.30".
	Name string `toml:"name"`
	// Label qualifies the line: "LTS", "stable", "mainline", or "".
	Label string `toml:"label"`
	// Versions lists the available versions, ascending.
	Versions []string `toml:"versions"`
}

// Request is a version request and where it came from, e.g.
// {Value: "24.x", Source: "package.json engines.node"}.
type Request struct {
	Value  string
	Source string
}

// Resolution is the outcome of resolving a Request.
type Resolution struct {
	// Version is the exact version selected.
	Version string
	// Warnings are advice about the request (wide range, ambiguous form, ...).
	Warnings []string
}
