package nodejs

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// procfileLine matches "type: command" lines of a Procfile.
var procfileLine = regexp.MustCompile(`^([A-Za-z0-9_-]+):\s*(.+)$`)

// parseProcfile reads dir/Procfile into process type → command; ok is false
// when there is no Procfile.
func parseProcfile(dir string) (procs map[string]string, ok bool) {
	f, err := os.Open(filepath.Join(dir, "Procfile"))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	procs = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := procfileLine.FindStringSubmatch(line); m != nil {
			procs[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return procs, true
}

// planRelease sets the launch processes and the advice about them. A
// Procfile wins; otherwise `npm start` when scripts.start exists (it works
// for Yarn and pnpm apps too), else `node server.js` when server.js exists.
func (pl *planner) planRelease() error {
	if pl.assets || pl.member {
		return nil
	}
	if err := buildpack.CheckProcfile(pl.app); err != nil {
		return err
	}
	procs, hasProcfile := parseProcfile(pl.app)
	_, hasStart := pl.pkg.script("start")
	switch {
	case pl.meteor != "":
		pl.plan.Processes["web"] = "./.start-meteor-app"
	case hasStart:
		pl.plan.Processes["web"] = "npm start"
	case fileExists(pl.app, "server.js"):
		pl.plan.Processes["web"] = "node server.js"
	}
	for k, v := range procs {
		pl.plan.Processes[k] = v
	}
	if !hasProcfile && len(pl.plan.Processes) == 0 {
		pl.plan.Warn("This app may not specify any way to start a Node.js process: there is no Procfile, no \"start\" script in package.json and no server.js. " +
			`Add "scripts": {"start": "node <your entry file>"} to package.json or a Procfile with a web: line.`)
	}
	pl.adviseStart(procs)
	pl.adviseBuild()
	return nil
}
