package php

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// composerJSON is the part of composer.json the buildpack reads.
type composerJSON struct {
	Require    map[string]string `json:"require"`
	RequireDev map[string]string `json:"require-dev"`
	Config     struct {
		Platform map[string]json.RawMessage `json:"platform"`
	} `json:"config"`
	Extra map[string]json.RawMessage `json:"extra"`
}

// composerLock is the part of composer.lock the buildpack reads.
type composerLock struct {
	Packages    []lockedPackage `json:"packages"`
	PackagesDev []lockedPackage `json:"packages-dev"`
	// Platform holds the root's platform requirements when they were
	// locked: an object, or an empty array from older Composers.
	Platform json.RawMessage `json:"platform"`
}

// lockedPackage is one entry of composer.lock.
type lockedPackage struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Require map[string]string `json:"require"`
	Provide map[string]string `json:"provide"`
}

// project is what planning knows about the app's Composer files.
type project struct {
	// HasJSON is true when composer.json exists.
	HasJSON bool
	JSON    composerJSON
	Lock    composerLock
}

// readProject reads and checks composer.json and composer.lock.
func readProject(appDir string) (*project, []string, error) {
	p := &project{}
	var warnings []string
	data, err := os.ReadFile(filepath.Join(appDir, "composer.json"))
	if errors.Is(err, os.ErrNotExist) {
		if fileExists(appDir, "composer.lock") {
			warnings = append(warnings, "composer.lock is present without composer.json; it is ignored")
		}
		return p, warnings, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading composer.json: %w", err)
	}
	p.HasJSON = true
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, &buildpack.UserError{Msg: "composer.json is empty",
			Hint: "Fill it in (`{}` is enough), or remove it from the repository for a classic app."}
	}
	if err := decodeJSON("composer.json", data, &p.JSON); err != nil {
		return nil, nil, err
	}
	lock, err := os.ReadFile(filepath.Join(appDir, "composer.lock"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, &buildpack.UserError{Msg: "composer.json is present but composer.lock is not",
			Hint: "Lock your dependencies: run `composer install` locally and commit composer.lock."}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading composer.lock: %w", err)
	}
	if len(bytes.TrimSpace(lock)) == 0 {
		return nil, nil, &buildpack.UserError{Msg: "composer.lock is empty",
			Hint: "Generate it: run `composer update --lock` locally and commit composer.lock."}
	}
	if err := decodeJSON("composer.lock", lock, &p.Lock); err != nil {
		return nil, nil, err
	}
	return p, warnings, nil
}

// decodeJSON decodes data into v; a syntax or type error becomes a UserError
// naming the file, line and column.
func decodeJSON(name string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("%s starts with a byte order mark (BOM), which Composer refuses", name),
			Hint: fmt.Sprintf("Save %s as UTF-8 without BOM (most editors have the option; or run `sed -i '1s/^\\xEF\\xBB\\xBF//' %s`).", name, name)}
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := buildpack.JSONPosition(data, syn.Offset)
		return &buildpack.UserError{
			Msg:  fmt.Sprintf("%s is not valid JSON: line %d, column %d: %s", name, line, col, syn.Error()),
			Hint: fmt.Sprintf("Fix the syntax of %s (check with `composer validate`).", name)}
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := buildpack.JSONPosition(data, typ.Offset)
		return &buildpack.UserError{
			Msg: fmt.Sprintf("%s: line %d, column %d: expected %s in %s, found %s",
				name, line, col, jsonKind(typ.Type.Kind().String()), fieldName(typ), typ.Value),
			Hint: fmt.Sprintf("Correct %s (see https://getcomposer.org/doc/04-schema.md).", name)}
	}
	return &buildpack.UserError{Msg: fmt.Sprintf("%s could not be read: %v", name, err)}
}

func fieldName(e *json.UnmarshalTypeError) string {
	if e.Field == "" {
		return "the document"
	}
	return e.Field
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	}
	return "a " + goKind
}

// requires reports whether composer.json requires pkg.
func (p *project) requires(pkg string) bool {
	_, ok := p.JSON.Require[pkg]
	return ok
}

// locked reports whether composer.lock holds pkg.
func (p *project) locked(pkg string) (lockedPackage, bool) {
	for _, l := range p.Lock.Packages {
		if strings.EqualFold(l.Name, pkg) {
			return l, true
		}
	}
	return lockedPackage{}, false
}

func fileExists(appDir, rel string) bool {
	fi, err := os.Stat(filepath.Join(appDir, rel))
	return err == nil && !fi.IsDir()
}

func dirExists(appDir, rel string) bool {
	fi, err := os.Stat(filepath.Join(appDir, rel))
	return err == nil && fi.IsDir()
}
