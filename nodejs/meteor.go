package nodejs

import (
	"fmt"
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
//
// Meteor publishes no checksum for its bootstrap archives, and kiln installs
// nothing it has not verified against a checksum from a trusted source: the
// app must pin the archive with METEOR_BOOTSTRAP_SHA256 (planning fails,
// before anything is downloaded, with the command that computes it).
func (pl *planner) meteorSteps() ([]buildpack.Step, error) {
	s := &pl.set
	s.MeteorRelease = pl.meteor
	_, ver, _ := strings.Cut(pl.meteor, "@")
	base := strings.TrimRight(pl.env.Default("METEOR_BOOTSTRAP_URL", defaultMeteorBootstrap), "/")
	url := base + "/" + ver + "/meteor-bootstrap-os.linux.x86_64.tar.gz"
	s.MeteorURL = url
	sum := strings.ToLower(strings.TrimSpace(pl.env.Get("METEOR_BOOTSTRAP_SHA256")))
	if !isSHA256Hex(sum) {
		msg := "METEOR_BOOTSTRAP_SHA256 is not set: Meteor publishes no checksum for its bootstrap archive, and kiln installs nothing it cannot verify"
		if sum != "" {
			msg = fmt.Sprintf("METEOR_BOOTSTRAP_SHA256 is %q, not a SHA-256 checksum (64 hexadecimal digits)", sum)
		}
		return nil, &buildpack.UserError{
			Msg: msg,
			Hint: fmt.Sprintf("Download the archive of %s from a machine you trust and set its checksum as an environment variable of the app:\n"+
				"  curl -fsSL %s | sha256sum\n"+
				"  METEOR_BOOTSTRAP_SHA256=<the 64 hexadecimal digits printed>\n"+
				"(METEOR_BOOTSTRAP_URL points the build at a mirror of the archives.)", pl.meteor, url),
		}
	}
	s.MeteorSHA256 = sum
	for _, name := range []string{"settings.json", "config/settings.json"} {
		if fileExists(pl.app, name) {
			s.MeteorSettingsFile = name
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
		{Name: stepMeteorCleanup},
	}, nil
}

// isSHA256Hex reports whether s is 64 hexadecimal digits.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
