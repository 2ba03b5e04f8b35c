package php

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/php/boot"
)

// layout decides the framework, the document root and the index document.
func (pl *planner) layout() error {
	a := &appInfo{dir: pl.ctx.AppDir, proj: pl.proj}
	requested, source := pl.paas.Framework, "composer.json"
	if !pl.composerApp() {
		requested, source = pl.env.Get("FRAMEWORK"), "The FRAMEWORK variable"
	}
	fw, err := chooseFramework(a, requested, source)
	if err != nil {
		return err
	}
	pl.fw = fw
	docroot := fw.DocRoot
	switch {
	case fw.Key == "cakephp2" && a.dirx("app/webroot"):
		docroot = "app/webroot"
	case fw.Key == "silex" && !a.file("web/index.php") && a.file("index.php"):
		docroot = ""
	}
	// An empty document-root, as in the documented block of defaults, means
	// the default: the framework's document root, else the app root. "."
	// names the app root itself.
	if d := pl.paas.DocumentRoot; d != nil && strings.TrimSpace(*d) != "" {
		docroot = *d
	} else if v, ok := pl.env.Lookup("DOCUMENT_ROOT"); ok && strings.TrimSpace(v) != "" {
		if err := boot.CheckAppPath("DOCUMENT_ROOT", v); err != nil {
			return err
		}
		docroot = v
	}
	docroot = boot.CleanRel(docroot)
	index := pl.paas.IndexDocument
	if index == "" {
		index = pl.env.Default("INDEX_DOCUMENT", "index.php")
	}
	if err := boot.CheckIndexDocument(index); err != nil {
		return err
	}
	pl.set.Framework = fw.Key
	pl.set.DocumentRoot = docroot
	pl.set.IndexDocument = index
	if docroot != "" && !dirExists(pl.ctx.AppDir, docroot) {
		pl.p.Warn(fmt.Sprintf("The document root %s/ does not exist in the app; it must exist when the app starts.", docroot))
	}
	return nil
}

// warnVendor warns about a committed vendor/ directory.
func (pl *planner) warnVendor() {
	if pl.composerApp() && fileExists(pl.ctx.AppDir, "vendor/autoload.php") {
		pl.p.Warn("vendor/ is committed to the repository: Composer installs over it. Remove it and add vendor/ to .gitignore.")
	}
}

// warnHtaccess warns about .htaccess files under the document root: nginx
// ignores them.
func (pl *planner) warnHtaccess() {
	root := filepath.Join(pl.ctx.AppDir, pl.set.DocumentRoot)
	var found []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == ".htaccess" {
			rel, _ := filepath.Rel(pl.ctx.AppDir, p)
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(found) == 0 {
		return
	}
	sort.Strings(found)
	if len(found) > 5 {
		found = append(found[:5], fmt.Sprintf("and %d more", len(found)-5))
	}
	msg := fmt.Sprintf(".htaccess files are ignored: nginx serves this app, not Apache (%s).", strings.Join(found, ", "))
	if pl.fw.Site == "default" {
		msg += " To send unknown paths to index.php as a RewriteRule would, put this in a file listed in extra.paas.nginx-includes: location / { try_files $uri $uri/ /index.php?$query_string; }"
	} else {
		msg += fmt.Sprintf(" The %s routing rules are built in; express any other rule in nginx, in a file listed in extra.paas.nginx-includes (e.g. location /old { return 301 /new; }).", pl.fw.Name)
	}
	pl.p.Warn(msg)
}

func skipDir(name string) bool {
	switch name {
	case "vendor", "node_modules", ".git", ".kiln":
		return true
	}
	return false
}
