package boot

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// templateFS holds kiln's configuration templates: php.ini, which the build
// renders (RenderPHPIni), and the nginx and PHP-FPM configuration that the
// boot command renders.
//
//go:embed templates
var templateFS embed.FS

// render executes the template at name (under templates/) with data. Site
// templates may use the shared "php" block.
func render(name string, data any) (string, error) {
	t := template.New("").Option("missingkey=error").Funcs(template.FuncMap{"q": nginxPath})
	var err error
	if strings.HasPrefix(name, "sites/") {
		t, err = t.ParseFS(templateFS, "templates/sites/php.conf.tmpl")
		if err != nil {
			return "", fmt.Errorf("parsing shared site template: %w", err)
		}
	}
	src, err := templateFS.ReadFile("templates/" + name)
	if err != nil {
		return "", fmt.Errorf("reading template %s: %w", name, err)
	}
	t, err = t.New(name).Parse(string(src))
	if err != nil {
		return "", fmt.Errorf("parsing template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	return b.String(), nil
}

// nginxPath joins parts into one nginx argument, double-quoted, so that a
// path holding spaces, quotes or semicolons stays one argument.
func nginxPath(parts ...string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(strings.Join(parts, "")) + `"`
}

// staticFile returns an embedded file as is.
func staticFile(name string) ([]byte, error) {
	b, err := templateFS.ReadFile("templates/" + name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return b, nil
}

// PHPIni fills templates/php.ini.tmpl, kiln's php.ini.
type PHPIni struct {
	// ExtensionDir points a repository PHP at the slug's extensions; ""
	// keeps the runtime's own.
	ExtensionDir string
	// Config holds the extra.paas.php-config lines.
	Config []string
}

// RenderPHPIni renders kiln's php.ini. The boot command reads its
// memory_limit lines back to size PHP-FPM.
func RenderPHPIni(d PHPIni) (string, error) {
	return render("php.ini.tmpl", d)
}

// nginxData fills templates/nginx.conf.tmpl.
type nginxData struct {
	User            string
	RunDir          string
	LogDir          string
	ConfDir         string
	Socket          string
	Port            int
	Root            string
	IndexDocument   string
	AccessLogFormat string
	HTTPIncludes    []string
	Includes        []string
	// RootLocation is the include of Includes that defines `location /`.
	RootLocation string
	DenyVendor   bool
	Site         string
}

// siteData fills the templates under templates/sites/.
type siteData struct {
	Name                 string
	ConfDir              string
	FrontController      string
	FrontControllerRegex string
	OnlyFrontController  bool
	// PrivateDirs is a regular expression of the directories nginx never
	// serves ("" for none).
	PrivateDirs string
	// AppRootLocation is the app's include that defines `location /`,
	// which replaces the rules' own; "" when none does.
	AppRootLocation string
}

// fpmData fills templates/php-fpm.conf.tmpl.
type fpmData struct {
	RunDir      string
	LogDir      string
	Socket      string
	MaxChildren int
	MaxSpare    int
	MaxRequests int
	Includes    []string
}

// defaultAccessLogFormat is the documented default log format.
const defaultAccessLogFormat = `$http_x_forwarded_for - "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// nginxQuote escapes s for an nginx single-quoted string.
func nginxQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", " ", "\r", " ").Replace(s)
}

// renderSite renders the framework's nginx rules.
func renderSite(s Site, index, confDir, rootLocation string) (string, error) {
	fc := s.FrontController
	if fc == "" {
		fc = index
	}
	tmpl := s.Template
	if tmpl == "" {
		tmpl = "default"
	}
	return render("sites/"+tmpl+".conf.tmpl", siteData{
		Name: s.Name, ConfDir: confDir, FrontController: fc,
		FrontControllerRegex: regexp.QuoteMeta(fc), OnlyFrontController: s.OnlyFrontController,
		AppRootLocation: rootLocation, PrivateDirs: strings.Join(s.Private, "|"),
	})
}

// renderNginx renders the complete nginx configuration with the rules of s.
func renderNginx(s Site, d nginxData) (string, error) {
	site, err := renderSite(s, d.IndexDocument, d.ConfDir, d.RootLocation)
	if err != nil {
		return "", err
	}
	d.Site = strings.TrimRight(site, "\n")
	if d.AccessLogFormat == "" {
		d.AccessLogFormat = defaultAccessLogFormat
	}
	d.AccessLogFormat = nginxQuote(d.AccessLogFormat)
	return render("nginx.conf.tmpl", d)
}
