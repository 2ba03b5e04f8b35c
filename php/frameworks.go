package php

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/php/boot"
)

// framework describes how kiln serves one kind of app: where its public
// files are, which nginx rules route requests, and which logs it writes.
type framework struct {
	// Key is the plan's framework setting and a valid extra.paas.framework.
	Key string
	// Family groups the variants of one framework ("symfony" for Flex and
	// older Symfony); extra.paas.framework may name the family.
	Family string
	// Name is shown in the build output.
	Name string
	// DocRoot is the document root when none is configured.
	DocRoot string
	// Site is the nginx site template of the boot command
	// (boot/templates/sites/<Site>.conf.tmpl).
	Site string
	// FrontController is the script that handles every route; "" means the
	// index document.
	FrontController string
	// OnlyFrontController makes every other .php file answer 404.
	OnlyFrontController bool
	// Private are regular expressions of directories under the document
	// root that nginx never serves (boot.Site.Private).
	Private []string
	// Aliases are other names extra.paas.framework may give it.
	Aliases []string
	// LogFiles are app-relative logs streamed at boot when they exist.
	LogFiles []string
	// is recognises the family; variant, when set, picks this variant.
	is, variant func(a *appInfo) bool
}

// appInfo is what framework detection looks at.
type appInfo struct {
	dir  string
	proj *project
}

func (a *appInfo) file(rel string) bool { return fileExists(a.dir, rel) }
func (a *appInfo) dirx(rel string) bool { return dirExists(a.dir, rel) }

// uses reports whether composer.json requires, or composer.lock holds, one
// of the packages.
func (a *appInfo) uses(pkgs ...string) bool {
	for _, p := range pkgs {
		if a.proj.requires(p) {
			return true
		}
		if _, ok := a.proj.locked(p); ok {
			return true
		}
	}
	return false
}

// lockedMajor returns the major version of a locked package, or "".
func (a *appInfo) lockedMajor(pkg string) string {
	if l, ok := a.proj.locked(pkg); ok {
		v := strings.TrimPrefix(strings.ToLower(l.Version), "v")
		major, _, _ := strings.Cut(v, ".")
		return major
	}
	return ""
}

// frameworks lists the known frameworks in detection order: the first one
// that matches wins, so more specific stacks come before the libraries they
// are built on.
func frameworks() []framework {
	return []framework{
		{Key: "drupal", Family: "drupal", Name: "Drupal", DocRoot: "web", Site: "drupal",
			is: func(a *appInfo) bool { return a.uses("drupal/core", "drupal/core-recommended") }},
		{Key: "prestashop", Family: "prestashop", Name: "PrestaShop", Site: "front",
			Private: []string{"app", "bin", "cache", "classes", "config", "controllers", "docs", "localization",
				"override", "src", "tests", "tools", "translations", "var"},
			LogFiles: []string{"var/logs/prod.log"}, is: isPrestaShop},
		{Key: "bedrock", Family: "wordpress", Name: "Bedrock WordPress", DocRoot: "web", Site: "wordpress",
			is: func(a *appInfo) bool { return a.file("web/wp-config.php") }},
		{Key: "wordpress", Family: "wordpress", Name: "WordPress", Site: "wordpress",
			is: func(a *appInfo) bool { return a.file("wp-settings.php") }},
		{Key: "magento2", Family: "magento", Name: "Magento 2", DocRoot: "pub", Site: "magento2",
			LogFiles: []string{"var/log/system.log", "var/log/exception.log"},
			is:       isMagento, variant: isMagento2},
		{Key: "magento1", Family: "magento", Name: "Magento 1", Site: "magento1",
			LogFiles: []string{"var/log/system.log", "var/log/exception.log"}, is: isMagento},
		{Key: "laravel", Family: "laravel", Name: "Laravel", DocRoot: "public", Site: "front",
			LogFiles: []string{"storage/logs/laravel.log"},
			is:       func(a *appInfo) bool { return a.uses("laravel/framework") }},
		{Key: "lumen", Family: "lumen", Name: "Lumen", DocRoot: "public", Site: "front", OnlyFrontController: true,
			LogFiles: []string{"storage/logs/lumen.log"},
			is:       func(a *appInfo) bool { return a.uses("laravel/lumen-framework") }},
		{Key: "cakephp2", Family: "cakephp", Name: "CakePHP 2", DocRoot: "webroot", Site: "front",
			LogFiles: []string{"tmp/logs/error.log", "tmp/logs/debug.log"}, is: isCakePHP,
			variant: func(a *appInfo) bool {
				return a.uses("pear-pear.cakephp.org/CakePHP") || a.lockedMajor("cakephp/cakephp") == "2" || a.file("lib/Cake/bootstrap.php")
			}},
		{Key: "cakephp", Family: "cakephp", Name: "CakePHP", DocRoot: "webroot", Site: "front", OnlyFrontController: true,
			LogFiles: []string{"logs/error.log", "logs/debug.log"}, is: isCakePHP},
		{Key: "codeigniter3", Family: "codeigniter", Name: "CodeIgniter 3", Site: "front", OnlyFrontController: true,
			is: isCodeIgniter, variant: func(a *appInfo) bool { return a.file("system/core/CodeIgniter.php") }},
		{Key: "codeigniter", Family: "codeigniter", Name: "CodeIgniter 4", DocRoot: "public", Site: "front",
			OnlyFrontController: true, is: isCodeIgniter},
		{Key: "laminas", Family: "laminas", Name: "Laminas", DocRoot: "public", Site: "front", OnlyFrontController: true,
			Aliases: []string{"zf2", "zend", "zendframework", "laminas-mvc", "mezzio"}, LogFiles: []string{"data/log/application.log"},
			is: func(a *appInfo) bool {
				return a.uses("laminas/laminas-mvc", "mezzio/mezzio", "zendframework/zendframework", "zendframework/zend-mvc")
			}},
		{Key: "yii2", Family: "yii2", Name: "Yii 2", DocRoot: "web", Site: "front", LogFiles: []string{"runtime/logs/app.log"},
			is: func(a *appInfo) bool { return a.uses("yiisoft/yii2", "yiisoft/yii2-dev") }},
		{Key: "yii", Family: "yii", Name: "Yii 1.1", Site: "front", Private: []string{"protected", "framework", "themes/[^/]+/views"},
			LogFiles: []string{"protected/runtime/application.log"},
			is:       func(a *appInfo) bool { return a.uses("yiisoft/yii") }},
		// Silex's skeleton serves web/; layout keeps the app root for an
		// app whose index.php is there.
		{Key: "silex", Family: "silex", Name: "Silex", DocRoot: "web", Site: "front", OnlyFrontController: true,
			is: func(a *appInfo) bool { return a.uses("silex/silex") }},
		{Key: "symfony-legacy", Family: "symfony", Name: "Symfony (web/app.php)", DocRoot: "web", Site: "front",
			FrontController: "app.php", OnlyFrontController: true,
			LogFiles: []string{"var/logs/prod.log", "app/logs/prod.log"}, is: isSymfony,
			variant: func(a *appInfo) bool { return a.file("web/app.php") && !a.file("public/index.php") }},
		{Key: "symfony", Family: "symfony", Name: "Symfony", DocRoot: "public", Site: "front", OnlyFrontController: true,
			LogFiles: []string{"var/log/prod.log"}, is: isSymfony},
		{Key: "slim", Family: "slim", Name: "Slim", DocRoot: "public", Site: "front", OnlyFrontController: true,
			is: func(a *appInfo) bool { return a.uses("slim/slim") }},
		// Only named in extra.paas.framework, never detected.
		{Key: "symfony1", Family: "symfony1", Name: "symfony 1", DocRoot: "web", Site: "front",
			LogFiles: []string{"log/prod.log"}, is: never},
		{Key: "change4", Family: "change4", Name: "RBS Change 4", DocRoot: "www", Site: "front", is: never},
	}
}

// defaultFramework serves any existing .php file and static files.
func defaultFramework() framework {
	return framework{Key: "default", Family: "default", Name: "PHP (no framework)", Site: "default"}
}

func never(*appInfo) bool { return false }

// isPrestaShop recognises PrestaShop by its package or, for a shop
// installed from the archive, by its index.php.
func isPrestaShop(a *appInfo) bool {
	if a.uses("prestashop/prestashop") {
		return true
	}
	data, err := os.ReadFile(filepath.Join(a.dir, "index.php"))
	return err == nil && bytes.Contains(bytes.ToLower(data), []byte("prestashop"))
}

func isMagento(a *appInfo) bool { return isMagento2(a) || a.file("app/Mage.php") }
func isMagento2(a *appInfo) bool {
	return a.uses("magento/framework", "magento/magento2-base") || a.file("bin/magento")
}
func isCakePHP(a *appInfo) bool {
	return a.uses("cakephp/cakephp", "pear-pear.cakephp.org/CakePHP") || a.file("lib/Cake/bootstrap.php")
}
func isCodeIgniter(a *appInfo) bool {
	return a.uses("codeigniter4/framework") || a.file("system/core/CodeIgniter.php") || a.file("system/CodeIgniter.php")
}
func isSymfony(a *appInfo) bool {
	return a.uses("symfony/symfony", "symfony/flex", "symfony/framework-bundle")
}

// site is how the boot command's nginx routes the framework's requests.
func (f framework) site() boot.Site {
	return boot.Site{Name: f.Name, Template: f.Site, FrontController: f.FrontController, OnlyFrontController: f.OnlyFrontController,
		Private: f.Private}
}

// frameworkByKey returns the framework with key, or nil.
func frameworkByKey(key string) *framework {
	if key == "default" {
		f := defaultFramework()
		return &f
	}
	for _, f := range frameworks() {
		if f.Key == key {
			return &f
		}
	}
	return nil
}

// chooseFramework applies extra.paas.framework when set (a key or a family
// name; "default" means none), else detects the framework from the app.
func chooseFramework(a *appInfo, requested, source string) (framework, error) {
	requested = strings.ToLower(strings.TrimSpace(requested))
	if requested == "" {
		for _, f := range frameworks() {
			if f.is(a) && (f.variant == nil || f.variant(a)) {
				return f, nil
			}
		}
		return defaultFramework(), nil
	}
	if requested == "default" || requested == "none" {
		return defaultFramework(), nil
	}
	var family []framework
	for _, f := range frameworks() {
		if f.Key == requested || contains(f.Aliases, requested) {
			return f, nil
		}
		if f.Family == requested {
			family = append(family, f)
		}
	}
	for _, f := range family {
		if f.variant == nil || f.variant(a) {
			return f, nil
		}
	}
	return framework{}, buildpack.Userf("%s: framework %q is not one kiln knows", source, requested).
		WithHint(fmt.Sprintf("Use one of: %s, or \"default\" (or \"none\") for no framework.", strings.Join(frameworkKeys(), ", ")))
}

func frameworkKeys() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range frameworks() {
		for _, k := range append([]string{f.Family, f.Key}, f.Aliases...) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return sortedCopy(out)
}
