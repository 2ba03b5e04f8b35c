package nodejs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack"
)

// A web process that starts a program only a devDependency provides
// ("start": "vite preview", vite in devDependencies) builds fine and then
// fails at its first start with "vite: not found". The prune step looks
// for that program in node_modules/.bin before it prunes and checks that
// it is still there afterwards.

// webProgram returns the program the web process starts through
// node_modules/.bin, and the command it comes from: the first word of the
// web command, or of the package.json script it runs (npm start, npm run
// X, yarn X, pnpm X, npx X), when node_modules/.bin has it. "" when the
// web process starts nothing of node_modules/.bin.
func (c *compiler) webProgram() (program, from string) {
	web := c.plan.Processes["web"]
	pkg, _ := os.ReadFile(filepath.Join(c.ctx.AppDir, "package.json"))
	cmd := web
	for range 3 { // a script may run another script
		words := commandWords(cmd)
		if len(words) == 0 {
			return "", ""
		}
		script := ""
		switch {
		case len(words) >= 2 && words[0] == "npm" && (words[1] == "start" || words[1] == "test"):
			script = words[1]
		case len(words) >= 3 && (words[0] == "npm" || words[0] == "yarn" || words[0] == "pnpm") && words[1] == "run":
			script = words[2]
		case len(words) >= 2 && (words[0] == "yarn" || words[0] == "pnpm") && words[1] != "run":
			script = words[1]
		case len(words) >= 2 && words[0] == "npx":
			words = words[1:]
		}
		if script != "" {
			s := gjson.GetBytes(pkg, "scripts."+gjson.Escape(script))
			if !s.Exists() {
				return "", ""
			}
			from = fmt.Sprintf("%q: %q", script, s.String())
			cmd = s.String()
			continue
		}
		if from == "" {
			from = "web: " + web
		}
		if !strings.Contains(words[0], "/") && fileExists(c.ctx.AppDir, "node_modules/.bin/"+words[0]) {
			return words[0], from
		}
		return "", ""
	}
	return "", ""
}

// commandWords splits a shell command line into words, leaving out the
// leading variable assignments (NODE_ENV=production vite preview).
func commandWords(cmd string) []string {
	words := strings.Fields(cmd)
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "=") {
		words = words[1:]
	}
	return words
}

// checkWebProgram is called after pruning with what webProgram found
// before it: a program pruning removed makes a warning with the fix, or,
// with KILN_STRICT=true, a failed build.
func (c *compiler) checkWebProgram(program, from string) error {
	if program == "" || fileExists(c.ctx.AppDir, "node_modules/.bin/"+program) {
		return nil
	}
	msg := fmt.Sprintf("The web process runs %s (%s), which only a devDependency provides: pruning removed it, so the app would fail at its start with \"%s: not found\".", program, from, program)
	hint := "Move the package that provides it from devDependencies to dependencies, or keep devDependencies in the slug (NPM_CONFIG_PRODUCTION=false, YARN_PRODUCTION=false or NODE_ENV other than production)."
	if strict, _ := lookupAny(c.env, "KILN_STRICT"); strings.TrimSpace(strict) == "true" {
		return &buildpack.UserError{Msg: msg, Hint: hint}
	}
	c.log.Warn("%s", msg)
	c.log.Warn("%s", hint)
	return nil
}
