package classic

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// planMember gives the plan of a workspace root (ctx.AppDir) the processes
// of the member it is built for (ctx.Member): those a plan of the member
// alone has (its Procfile, its start script), each started in the
// member's directory. The member's plan is made for that and nothing else;
// its other decisions are the root's.
func planMember(bp buildpack.Buildpack, ctx *buildpack.Context, plan *buildpack.Plan) error {
	mctx := *ctx
	mctx.AppDir = filepath.Join(ctx.AppDir, filepath.FromSlash(ctx.Member))
	mctx.Member = ""
	mctx.Log = buildpack.Discard()
	mp, err := bp.Plan(&mctx)
	if err != nil {
		return fmt.Errorf("planning the processes of the workspace member %s: %w", ctx.Member, err)
	}
	plan.Processes = make(map[string]string, len(mp.Processes))
	for k, v := range mp.Processes {
		plan.Processes[k] = InMember(ctx.Member, v)
	}
	if len(plan.Processes) == 0 {
		plan.Warn(fmt.Sprintf("The workspace member %s declares no process: add a Procfile with a web: line to %s (or, for Node.js, a \"start\" script to its package.json).", ctx.Member, ctx.Member))
	}
	return nil
}

var plainPath = regexp.MustCompile(`^[A-Za-z0-9._/@+-]+$`)

// InMember is the command of a member's process as the slug of its
// workspace root runs it: in the member's directory.
func InMember(member, command string) string {
	dir := member
	if !plainPath.MatchString(dir) {
		dir = "'" + strings.ReplaceAll(dir, "'", `'\''`) + "'"
	}
	return "cd " + dir + " && " + command
}
