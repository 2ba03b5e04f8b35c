package php

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// lockRequirement is a `php` requirement recorded in composer.lock.
type lockRequirement struct {
	// Who is "the root (platform.php)" or the package's name.
	Who        string
	Constraint string
}

func (r lockRequirement) String() string {
	return fmt.Sprintf("%s requires php %q", r.Who, r.Constraint)
}

// lockPHPRequirements lists the php requirements of composer.lock: the
// root's locked platform requirement and each installed package's
// require.php (the dev packages' too when they are installed).
func lockPHPRequirements(pj *project, dev bool) []lockRequirement {
	var out []lockRequirement
	var platform map[string]string
	if json.Unmarshal(pj.Lock.Platform, &platform) == nil {
		if c := strings.TrimSpace(platform["php"]); c != "" {
			out = append(out, lockRequirement{Who: "the root (composer.lock platform.php)", Constraint: c})
		}
	}
	pkgs := pj.Lock.Packages
	if dev {
		pkgs = append(slices.Clone(pkgs), pj.Lock.PackagesDev...)
	}
	for _, p := range pkgs {
		if c := strings.TrimSpace(p.Require["php"]); c != "" {
			out = append(out, lockRequirement{Who: p.Name, Constraint: c})
		}
	}
	return out
}

// unmet returns the requirements version does not satisfy; a requirement
// kiln cannot parse is left to Composer.
func unmet(reqs []lockRequirement, version string) []lockRequirement {
	var out []lockRequirement
	for _, r := range reqs {
		if ok, err := stacks.ComposerSatisfies(r.Constraint, version); err == nil && !ok {
			out = append(out, r)
		}
	}
	return out
}

// fitLock makes the selected PHP (rt, resolved from the request req) one
// that composer.lock's php requirements also accept: when they refuse it,
// the newest version of the stack that satisfies both the request (with
// Composer's reading) and every requirement is chosen instead, and the
// runtime's source says why. No such version is a plan-time error naming
// the packages.
func fitLock(st *stacks.Stack, rt *buildpack.Runtime, req stacks.Request, reqs []lockRequirement) (string, error) {
	refused := unmet(reqs, rt.Version)
	if len(refused) == 0 {
		return "", nil
	}
	var best string
	for i := len(st.PHP.Lines) - 1; i >= 0 && best == ""; i-- {
		vs := st.PHP.Lines[i].Versions
		for j := len(vs) - 1; j >= 0; j-- {
			v := vs[j]
			if req.Value != "" {
				if ok, err := stacks.ComposerSatisfies(req.Value, v); err != nil || !ok {
					continue
				}
			}
			if len(unmet(reqs, v)) == 0 {
				best = v
				break
			}
		}
	}
	if best == "" {
		what := "no PHP request"
		if req.Value != "" {
			what = fmt.Sprintf("%s %q", req.Source, req.Value)
		}
		return "", buildpack.Userf("no PHP version on %s satisfies both %s and composer.lock, where %s",
			st.Name, what, describeRequirements(refused)).
			WithHint(fmt.Sprintf("Available: %s. Change the PHP request, or update the locked packages (composer update) for a PHP version the stack offers.",
				st.Available("php")))
	}
	from := rt.Version
	rt.Version = best
	rt.Source += ", within composer.lock's requirements"
	return fmt.Sprintf("PHP %s is installed instead of %s: composer.lock's %s, and Composer's platform check would refuse %s.",
		best, from, describeRequirements(refused), from), nil
}

// describeRequirements lists at most three requirements.
func describeRequirements(reqs []lockRequirement) string {
	var parts []string
	for i, r := range reqs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(reqs)-3))
			break
		}
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}
