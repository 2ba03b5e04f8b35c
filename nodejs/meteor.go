package nodejs

import (
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// defaultMeteorBootstrap is where Meteor publishes its bootstrap archives;
// METEOR_BOOTSTRAP_URL replaces it (a mirror, or a test server).
const defaultMeteorBootstrap = "https://d3sqy0vbqsdhku.cloudfront.net/packages-bootstrap"

// meteorRelease reads the release from .meteor/release ("METEOR@3.1.2").
func meteorRelease(app string) string {
	r := readTrim(app, ".meteor/release")
	r, _, _ = strings.Cut(r, "\n")
	return strings.TrimSpace(r)
}

// meteorNodeLine maps a Meteor release to the Node.js line it runs on; ""
// when unknown (the stack default applies).
func meteorNodeLine(release string) string {
	_, v, ok := strings.Cut(release, "@")
	if !ok {
		return ""
	}
	parts := strings.Split(v, ".")
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(strings.SplitN(parts[1], "-", 2)[0])
	}
	switch {
	case major >= 3 && minor >= 1:
		return "22.x"
	case major >= 3:
		return "20.x"
	case major == 2 && minor >= 3:
		return "14.x"
	case major == 2:
		return "12.x"
	}
	return ""
}

// meteorSteps bootstrap the Meteor tool, build the server bundle, install its
// dependencies and write the start script.
func (pl *planner) meteorSteps() []buildpack.Step {
	s := pl.plan.Settings
	s[setMeteorRelease] = pl.meteor
	_, ver, _ := strings.Cut(pl.meteor, "@")
	base := strings.TrimRight(pl.env.Default("METEOR_BOOTSTRAP_URL", defaultMeteorBootstrap), "/")
	s[setMeteorURL] = base + "/" + ver + "/meteor-bootstrap-os.linux.x86_64.tar.gz"
	if sum := pl.env.Get("METEOR_BOOTSTRAP_SHA256"); sum != "" {
		s[setMeteorSHA256] = strings.ToLower(strings.TrimSpace(sum))
	} else {
		pl.plan.Warn("The Meteor bootstrap archive has no published checksum: it is checked to be a valid Meteor release only. Set METEOR_BOOTSTRAP_SHA256 to pin it.")
	}
	for _, name := range []string{"settings.json", "config/settings.json"} {
		if fileExists(pl.app, name) {
			s["meteor_settings_file"] = name
			break
		}
	}
	home := phApp + "/.meteor-install"
	build := []string{"meteor", "build", "--server-only", "--architecture", "os.linux.x86_64", "--directory", ".app-build"}
	if pl.env.Bool("METEOR_DEBUG_BUILD") {
		build = append(build[:2], append([]string{"--debug"}, build[2:]...)...)
	}
	flags := pl.env.Get("TOOL_NODE_FLAGS")
	if !strings.Contains(flags, "max-old-space-size") {
		flags = strings.TrimSpace(flags + " --max-old-space-size=" + pl.env.Default("BUILD_MAX_MEMORY", "8192"))
	}
	return []buildpack.Step{
		{Name: stepMeteorInstall},
		{Name: stepMeteorBuild, Command: build, Env: map[string]string{
			"HOME": home, "PATH": home + "/.meteor:$PATH", "TOOL_NODE_FLAGS": flags,
		}},
		{Name: stepMeteorNPM, Command: append([]string{"npm", "install"}, userconfig()...), Dir: ".app-build/bundle/programs/server"},
		{Name: stepMeteorStart},
	}
}
