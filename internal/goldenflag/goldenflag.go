// Package goldenflag registers the -update flag of the golden tests. Every
// test package of the module imports it, so that `go test ./... -update`
// is accepted by each test binary and rewrites the expected files of the
// packages that have some.
package goldenflag

import "flag"

var update = flag.Bool("update", false, "rewrite golden files (fixtures/*/expected) instead of comparing; review the diff before committing")

// Update reports whether the tests run with -update.
func Update() bool { return *update }
