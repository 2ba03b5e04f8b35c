package nodejs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tidwall/gjson"

	"github.com/kiln-dev/kiln/buildpack"
)

// pkgJSON is the parsed package.json of an app.
type pkgJSON struct {
	raw gjson.Result
}

// loadPackageJSON reads and validates dir/package.json. A missing file or a
// syntax error is a UserError naming the file, line and column. It reads the
// file as npm does: a byte order mark is skipped and a key given twice keeps
// its last value; each comes with a warning.
func loadPackageJSON(dir string) (pkgJSON, []string, error) {
	path := filepath.Join(dir, "package.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return pkgJSON{}, nil, &buildpack.UserError{
			Msg:  "No package.json found at the root of the application",
			Hint: "A Node.js app needs a package.json at the root of its repository: run `npm init` and commit the file.",
		}
	}
	if err != nil {
		return pkgJSON{}, nil, fmt.Errorf("reading package.json: %w", err)
	}
	var warnings []string
	if rest, ok := bytes.CutPrefix(b, utf8BOM); ok {
		b = rest
		warnings = append(warnings, "package.json starts with a byte order mark (BOM): npm skips it, and so does kiln, but other tools refuse the file. "+
			"Save it as UTF-8 without BOM.")
	}
	if err := checkJSON("package.json", b); err != nil {
		return pkgJSON{}, nil, err
	}
	b, dups, err := lastKeyWins(b)
	if err != nil {
		return pkgJSON{}, nil, fmt.Errorf("reading package.json: %w", err)
	}
	if len(dups) > 0 {
		warnings = append(warnings, duplicateKeysWarning(dups))
	}
	res := gjson.ParseBytes(b)
	if !res.IsObject() {
		return pkgJSON{}, nil, &buildpack.UserError{
			Msg:  "package.json must contain a JSON object",
			Hint: "Start the file with { and put the package fields inside it.",
		}
	}
	return pkgJSON{raw: res}, warnings, nil
}

// checkJSON returns a UserError locating the first syntax error of b.
func checkJSON(name string, b []byte) error {
	var v any
	err := json.Unmarshal(b, &v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	off := int64(len(b))
	if errors.As(err, &se) {
		off = se.Offset
	}
	line, col := buildpack.JSONPosition(b, off)
	return &buildpack.UserError{
		Msg:  fmt.Sprintf("Unable to parse %s: syntax error at line %d, column %d: %v", name, line, col, err),
		Hint: fmt.Sprintf("Fix the JSON syntax of %s (check for trailing commas, missing quotes or comments), e.g. with `node -e 'require(\"./%s\")'`.", name, name),
	}
}

// str returns the string at path, or "" when absent or not a string.
func (p pkgJSON) str(path string) string {
	v := p.raw.Get(path)
	if v.Type != gjson.String {
		return ""
	}
	return v.String()
}

// script returns scripts[name] and whether it is defined.
func (p pkgJSON) script(name string) (string, bool) {
	v := p.raw.Get("scripts." + gjson.Escape(name))
	if !v.Exists() {
		return "", false
	}
	return v.String(), true
}

// engine returns engines[name], trimmed.
func (p pkgJSON) engine(name string) string {
	return trimSpace(p.str("engines." + name))
}

// stringList returns the array of strings at path, and whether the key exists.
func (p pkgJSON) stringList(path string) ([]string, bool, error) {
	v := p.raw.Get(path)
	if !v.Exists() {
		return nil, false, nil
	}
	if !v.IsArray() {
		return nil, true, fmt.Errorf("%s must be an array of strings", path)
	}
	var out []string
	for _, e := range v.Array() {
		if e.Type != gjson.String {
			return nil, true, fmt.Errorf("%s must be an array of strings, found %s", path, e.Raw)
		}
		out = append(out, e.String())
	}
	return out, true, nil
}
