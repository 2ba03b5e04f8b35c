package nodejs

import (
	_ "embed"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/internal/approot"
)

var (
	//go:embed profile/nodejs.sh
	profileNodeJS string
	//go:embed profile/WEB_CONCURRENCY.sh
	profileWebConcurrency string
)

// writeProfile writes .profile.d/nodejs.sh.
func (c *compiler) writeProfile(buildpack.Step) error {
	return c.writeProfileScript("nodejs.sh", profileNodeJS)
}

// writeWebConcurrency writes .profile.d/WEB_CONCURRENCY.sh.
func (c *compiler) writeWebConcurrency(buildpack.Step) error {
	return c.writeProfileScript("WEB_CONCURRENCY.sh", profileWebConcurrency)
}

func (c *compiler) writeProfileScript(name, content string) error {
	// Through os.Root: a .profile.d that a build command replaced by a
	// link out of the app is refused, not written through.
	if err := approot.WriteFile(c.ctx.AppDir, ".profile.d/"+name, []byte(content), 0o755); err != nil {
		return buildpack.EscapeUserError(fmt.Errorf("writing .profile.d/%s: %w", name, err))
	}
	return nil
}

// writeExport writes the export file of the classic API, when the platform
// asked for one: the step's variables as shell exports, with the plan's
// placeholders replaced by the build's paths. A following buildpack sources
// it, so $NAME references in the values expand then. Failing to write it
// only earns a warning: the app itself is built.
func (c *compiler) writeExport(s buildpack.Step) error {
	path := c.ctx.ExportFile
	if path == "" {
		return nil
	}
	q := func(p string) string { return shellQuoteInner(p) }
	r := strings.NewReplacer(phApp, q(c.ctx.AppDir), phCache, q(c.cacheDir()), phTmp, q(c.tmp))
	var b strings.Builder
	b.WriteString("# Written by kiln's Node.js buildpack for the buildpacks that run after it.\n")
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		fmt.Fprintf(&b, "export %s=\"%s\"\n", k, r.Replace(s.Env[k]))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		c.log.Warn("Could not write the export file for the next buildpacks: %v", err)
	}
	return nil
}

// shellQuoteInner escapes s for use inside a double-quoted shell string.
func shellQuoteInner(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`).Replace(s)
}
