package php

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// templateFS holds kiln's own configuration templates.
//
//go:embed templates
var templateFS embed.FS

// render executes the template at name (under templates/) with data. Site
// templates may use the shared "php" block.
func render(name string, data any) (string, error) {
	t := template.New("").Option("missingkey=error")
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

// staticFile returns an embedded file as is.
func staticFile(name string) ([]byte, error) {
	b, err := templateFS.ReadFile("templates/" + name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return b, nil
}

// phpIniData fills templates/php.ini.tmpl.
type phpIniData struct {
	// ExtensionDir points a repository PHP at the slug's extensions; ""
	// keeps the runtime's own.
	ExtensionDir string
	// Config holds the extra.paas.php-config lines.
	Config []string
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
	DenyVendor      bool
	Site            string
}

// siteData fills the templates under templates/sites/.
type siteData struct {
	Name                 string
	ConfDir              string
	FrontController      string
	FrontControllerRegex string
	OnlyFrontController  bool
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
func renderSite(fw framework, index, confDir string) (string, error) {
	fc := fw.FrontController
	if fc == "" {
		fc = index
	}
	return render("sites/"+fw.Site+".conf.tmpl", siteData{
		Name: fw.Name, ConfDir: confDir, FrontController: fc,
		FrontControllerRegex: regexp.QuoteMeta(fc), OnlyFrontController: fw.OnlyFrontController,
	})
}

// renderNginx renders the complete nginx configuration for fw.
func renderNginx(fw framework, d nginxData) (string, error) {
	site, err := renderSite(fw, d.IndexDocument, d.ConfDir)
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
