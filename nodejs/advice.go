package nodejs

import (
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/stacks"
)

var (
	portFlag  = regexp.MustCompile(`(-p|--port)(\s+|=)("?)\$\{?PORT\}?`)
	yarnStart = regexp.MustCompile(`^(\S*/)?yarn(\s|$)`)
	nextStart = regexp.MustCompile(`(^|[\s;&|/])next\s+start\b`)
	viteStart = regexp.MustCompile(`(^|[\s;&|/])vite(\s+(serve|dev|preview))?(\s|$)`)
	ngBuild   = regexp.MustCompile(`(^|[\s;&|/])ng\s+build\b`)
	ngProd    = regexp.MustCompile(`--configuration[\s=]production|-c[\s=]production|--prod\b`)
)

// adviseEngines warns about a missing or dangerous engines.node (the advice
// only applies when nothing else, such as .nvmrc, chose the version).
func (pl *planner) adviseEngines(req stacks.Request) {
	switch {
	case req.Source == srcDefault && pl.meteor == "":
		pl.plan.Warn(`Node.js version not specified in package.json: the stack default is used and may change under you. Pin the major line, e.g. "engines": {"node": "24.x"}.`)
	case req.Source != srcEngines:
	case req.Value == "*":
		pl.plan.Warn(`Dangerous semver range (*) in engines.node: any future major Node.js version may be installed. Use a major line, e.g. "engines": {"node": "24.x"}.`)
	case strings.HasPrefix(req.Value, ">"):
		pl.plan.Warn(`Dangerous semver range (>) in engines.node: future major Node.js versions may be installed. Add an upper bound, e.g. "engines": {"node": "24.x"}.`)
	}
}

// adviseStart warns about web processes that will not work well on the
// platform.
func (pl *planner) adviseStart(procs map[string]string) {
	if web, ok := procs["web"]; ok && yarnStart.MatchString(web) {
		pl.plan.Warn("The Procfile starts the web process through yarn, which does not forward SIGTERM to your app, so it cannot shut down cleanly. Start Node.js directly, e.g. `web: node server.js`.")
	}
	start := procs["web"]
	if s, ok := pl.pkg.script("start"); ok && (start == "" || strings.Contains(start, "npm start") || strings.Contains(start, "run start")) {
		start = s
	}
	if start == "" {
		return
	}
	if nextStart.MatchString(start) && !portFlag.MatchString(start) {
		pl.plan.Warn("`next start` listens on port 3000 unless told otherwise, so the app will not answer on the platform's port. Use `next start -p $PORT` in the start script.")
	}
	if viteStart.MatchString(start) && !portFlag.MatchString(start) {
		pl.plan.Warn("vite is the start command but is not given the platform's port. Use `vite preview --port $PORT` (and host 0.0.0.0), or serve the built files with a small Node.js server.")
	}
}

// adviseBuild warns about build scripts that produce development builds.
func (pl *planner) adviseBuild() {
	build, ok := pl.pkg.script("build")
	if ok && ngBuild.MatchString(build) && !ngProd.MatchString(build) {
		pl.plan.Warn("The build script runs `ng build` without `--configuration production`; depending on angular.json this may be a development build. Use `ng build --configuration production`.")
	}
}
