package php

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// herokuBootRE matches a Procfile command that runs one of the reference
// platforms' PHP boot scripts, directly or from vendor/bin.
var herokuBootRE = regexp.MustCompile(`^(\S*/)?(heroku-php-nginx|heroku-php-apache2)(?:\s+(.*))?$`)

// procfileWeb returns the web command of the app's Procfile, "" without one.
func procfileWeb(appDir string) (string, error) {
	f, err := os.Open(filepath.Join(appDir, "Procfile"))
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading Procfile: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, cmd, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok && strings.TrimSpace(name) == "web" {
			return strings.TrimSpace(cmd), nil
		}
	}
	return "", sc.Err()
}

// herokuBoot is what a boot script command of the Procfile asks for.
type herokuBoot struct {
	script                                  string
	docRoot                                 string
	nginxIncludes, fpmIncludes, phpIncludes []string
	logFiles                                []string
}

// parseHerokuBoot reads the options of heroku-php-nginx or
// heroku-php-apache2 that kiln's web process can honour, and rejects the
// others with the reason.
func parseHerokuBoot(script, args string) (*herokuBoot, error) {
	hb := &herokuBoot{script: script}
	bad := func(format string, a ...any) error {
		return buildpack.Userf("Procfile: web: %s: %s", script, fmt.Sprintf(format, a...)).
			WithHint("kiln runs its own web process (nginx and PHP-FPM); it honours the document root and the -C (nginx), -F, -i and -l options. " +
				"Replace the web line with the equivalent extra.paas settings in composer.json, or remove it.")
	}
	if strings.ContainsAny(args, "'\"`;&|<>()") {
		return nil, bad("quotes and shell operators in the arguments cannot be mapped")
	}
	words := strings.Fields(args)
	for i := 0; i < len(words); i++ {
		w := words[i]
		opt, val, hasVal := strings.Cut(w, "=")
		if !strings.HasPrefix(w, "-") {
			if hb.docRoot != "" {
				return nil, bad("more than one document root (%s and %s)", hb.docRoot, w)
			}
			hb.docRoot = w
			continue
		}
		takes := map[string]bool{"-C": true, "--nginx-include": true, "--httpd-include": true, "-F": true, "--fpm-include": true,
			"-i": true, "--php-ini": true, "-l": true, "--log": true, "-p": true, "--port": true,
			"-c": true, "--nginx-config": true, "--httpd-config": true, "-f": true, "--fpm-config": true}
		if !takes[opt] {
			return nil, bad("option %s has no equivalent in kiln", w)
		}
		if !hasVal {
			if i+1 >= len(words) {
				return nil, bad("option %s needs a value", w)
			}
			i++
			val = words[i]
		}
		switch opt {
		case "-C", "--nginx-include", "--httpd-include":
			if script == "heroku-php-apache2" {
				return nil, bad("%s %s is an Apache configuration; kiln serves PHP with nginx: write the rules in nginx and list the file in extra.paas.nginx-includes", opt, val)
			}
			if strings.HasSuffix(val, ".php") {
				return nil, bad("%s %s is a PHP template of an nginx configuration, which kiln does not render", opt, val)
			}
			hb.nginxIncludes = append(hb.nginxIncludes, val)
		case "-F", "--fpm-include":
			hb.fpmIncludes = append(hb.fpmIncludes, val)
		case "-i", "--php-ini":
			hb.phpIncludes = append(hb.phpIncludes, val)
		case "-l", "--log":
			hb.logFiles = append(hb.logFiles, val)
		case "-p", "--port":
			if val != "$PORT" && val != "${PORT}" {
				return nil, bad("-p %s: the web process listens on $PORT", val)
			}
		default:
			return nil, bad("%s %s replaces the whole configuration, which kiln renders itself", opt, val)
		}
	}
	return hb, nil
}

// procfileBoot maps a Procfile web line that runs a reference boot script
// onto kiln's web process: the script's options become settings, and the
// build puts a script of that name in the slug that starts `kiln php-boot`.
func (pl *planner) procfileBoot() error {
	if err := buildpack.CheckProcfile(pl.ctx.AppDir); err != nil {
		return err
	}
	cmd, err := procfileWeb(pl.ctx.AppDir)
	if err != nil || cmd == "" {
		return err
	}
	m := herokuBootRE.FindStringSubmatch(cmd)
	if m == nil {
		return nil
	}
	hb, err := parseHerokuBoot(m[2], m[3])
	if err != nil {
		return err
	}
	shim := path.Clean(m[1] + m[2])
	if m[1] == "" {
		shim = "vendor/bin/" + m[2]
	}
	if err := boot.CheckAppPath("Procfile: web", shim); err != nil {
		return err
	}
	s := &pl.set
	var did []string
	if hb.docRoot != "" {
		if err := boot.CheckAppPath("Procfile: web: document root", hb.docRoot); err != nil {
			return err
		}
		root := boot.CleanRel(hb.docRoot)
		if d := pl.paas.DocumentRoot; d != nil && strings.TrimSpace(*d) != "" && boot.CleanRel(*d) != root {
			return buildpack.Userf("Procfile: web: %s serves %s/, but composer.json extra.%s.document-root is %q", hb.script, root, pl.paas.key, *d).
				WithHint("Keep one of them: kiln's web process has one document root.")
		}
		s.DocumentRoot = root
		did = append(did, "document root /"+root)
	}
	for _, inc := range []struct {
		what  string
		files []string
		dst   *[]string
		must  bool
	}{{"nginx include", hb.nginxIncludes, &s.NginxIncludes, false}, {"PHP-FPM include", hb.fpmIncludes, &s.PHPFPMIncludes, true},
		{"php.ini include", hb.phpIncludes, &s.PHPIncludes, true}, {"log file", hb.logFiles, &s.LogFiles, false}} {
		for _, f := range inc.files {
			if err := boot.CheckAppPath("Procfile: web: "+inc.what, f); err != nil {
				return err
			}
			if inc.must && !fileExists(pl.ctx.AppDir, f) {
				return buildpack.Userf("Procfile: web: the %s %s is not a file in the app", inc.what, f)
			}
			*inc.dst = dedupe(append(*inc.dst, boot.CleanRel(f)))
			did = append(did, inc.what+" "+f)
		}
	}
	s.ProcfileShim = shim
	msg := fmt.Sprintf("The Procfile's web process runs %s, a boot script of other platforms: kiln puts a %s in the slug that starts its own web process (%s)",
		hb.script, shim, WebCommand)
	if len(did) > 0 {
		msg += " with " + strings.Join(did, ", ")
	}
	msg += "."
	if hb.script == "heroku-php-apache2" {
		msg += " It serves the app with nginx, not Apache: .htaccess files do not apply."
	}
	pl.p.Warn(msg)
	return nil
}

// writeProcfileShim writes the script the Procfile's web line names, which
// starts kiln's web process from the slug's root.
func (c *compiler) writeProcfileShim() error {
	shim := c.set.ProcfileShim
	if shim == "" {
		return nil
	}
	up := strings.Repeat("../", strings.Count(shim, "/"))
	body := "#!/bin/sh\n" +
		"# Written by kiln: the Procfile's " + path.Base(shim) + " starts kiln's PHP web process, configured at build time\n" +
		"# from the Procfile's options; the arguments are not read again.\n" +
		`cd "$(dirname "$0")/` + up + `" || exit 1` + "\n" +
		"exec ./" + bootBinary + " php-boot\n"
	dst := filepath.Join(c.ctx.AppDir, filepath.FromSlash(shim))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(shim), err)
	}
	_ = os.Remove(dst) // Composer may have left a link to the real script
	if err := os.WriteFile(dst, []byte(body), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", shim, err)
	}
	c.ctx.Log.Info("The Procfile's %s starts %s", shim, WebCommand)
	return nil
}
