package nodejs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// Sources of a Node.js version request, as recorded in plans.
const (
	srcEngines     = "package.json engines.node"
	srcNvmrc       = ".nvmrc"
	srcNodeVersion = ".node-version"
	srcDefault     = "default"
)

// ltsCodenames maps nvm's lts/<name> aliases to their major version.
func ltsCodename(name string) (string, bool) {
	majors := map[string]string{
		"argon": "4", "boron": "6", "carbon": "8", "dubnium": "10",
		"erbium": "12", "fermium": "14", "gallium": "16", "hydrogen": "18",
		"iron": "20", "jod": "22", "krypton": "24",
	}
	m, ok := majors[strings.ToLower(name)]
	return m, ok
}

// nodeRequest finds the Node.js version request: engines.node, else .nvmrc,
// else .node-version, else the Meteor release's Node line, else none.
func nodeRequest(app string, pkg pkgJSON, meteorNode string, meteorRelease string) stacks.Request {
	if v := pkg.engine("node"); v != "" {
		return stacks.Request{Value: v, Source: srcEngines}
	}
	if v := versionFile(app, ".nvmrc"); v != "" {
		return stacks.Request{Value: nvmAlias(v), Source: srcNvmrc}
	}
	if v := versionFile(app, ".node-version"); v != "" {
		return stacks.Request{Value: v, Source: srcNodeVersion}
	}
	if meteorNode != "" {
		return stacks.Request{Value: meteorNode, Source: "Meteor release " + meteorRelease}
	}
	return stacks.Request{Source: srcDefault}
}

// maxVersionLine bounds the version request kept from a version file: a
// real one ("24", "lts/jod", ">=20 <25") is short, and the request is
// repeated in messages and the plan.
const maxVersionLine = 64

// versionFile returns the first meaningful line of an .nvmrc-style file:
// comments (#) and blank lines are ignored. A line longer than
// maxVersionLine is cut there and marked with "…" (it then matches no
// version, and the error quotes it short).
func versionFile(app, name string) string {
	for _, line := range strings.Split(readTrim(app, name), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > maxVersionLine {
				line = strings.ToValidUTF8(line[:maxVersionLine], "") + "…"
			}
			return line
		}
	}
	return ""
}

// nvmAlias turns nvm's named LTS aliases (lts/jod) into a major range; other
// values (node, lts/*, ranges) are left for the resolver.
func nvmAlias(v string) string {
	if name, ok := strings.CutPrefix(strings.ToLower(v), "lts/"); ok && name != "*" {
		if m, ok := ltsCodename(name); ok {
			return m + ".x"
		}
	}
	return v
}

// resolveNode resolves req on the stack, turning resolution failures into
// user errors.
func resolveNode(st *stacks.Stack, req stacks.Request, allowWide bool) (stacks.Resolution, error) {
	res, err := st.ResolveNode(req, allowWide)
	if err == nil {
		return res, nil
	}
	var re *stacks.ResolveError
	if errors.As(err, &re) {
		hint := re.Hint
		if strings.HasPrefix(req.Source, "Meteor") {
			hint = `This Meteor release needs a Node.js line the stack does not offer: upgrade to Meteor 3.1 or later, or set "engines": {"node": "22.x"} in package.json if the app runs on it.`
		}
		if hint == "" {
			hint = `Request one of the available Node.js lines, e.g. "engines": {"node": "24.x"} in package.json.`
		}
		return res, &buildpack.UserError{Msg: err.Error(), Hint: hint}
	}
	return res, fmt.Errorf("resolving Node.js %q: %w", req.Value, err)
}
