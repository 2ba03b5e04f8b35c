package repo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// Schema is the version of the manifest format this package writes and
// reads.
const Schema = 1

// File names of a repository directory.
const (
	// ManifestName is the manifest of a repository directory.
	ManifestName = "manifest.json"
	// SignatureName is the signature of the manifest.
	SignatureName = ManifestName + ".sig"
	// SidecarSuffix ends the name of an archive's build inputs file.
	SidecarSuffix = ".build.json"
)

// Artifact kinds.
const (
	KindPHP       = "php"
	KindNginx     = "nginx"
	KindExtension = "extension"
	KindComposer  = "composer"
)

// Manifest lists the archives of one repository directory
// (DIR/<kind>/<stack>/).
type Manifest struct {
	// Schema is the format's version (Schema).
	Schema int `json:"schema"`
	// Stack is the stack the archives were built for.
	Stack string `json:"stack"`
	// Generated is when the manifest was written (RFC 3339).
	Generated string `json:"generated"`
	// Artifacts are the archives, sorted by path.
	Artifacts []Artifact `json:"artifacts"`
}

// Artifact is one archive of a manifest.
type Artifact struct {
	// Path is the archive's path relative to the manifest's directory,
	// with slashes (ext/20220829/php-apcu.tgz).
	Path string `json:"path"`
	// Kind is KindPHP, KindNginx, KindExtension or KindComposer.
	Kind string `json:"kind"`
	// Name is the runtime's or the extension's name (php, nginx, apcu,
	// composer).
	Name string `json:"name"`
	// Version is the archive's version; "" for an extension archive
	// without one in its name or sidecar.
	Version string `json:"version,omitempty"`
	// SHA256 is the archive's SHA-256, in lower-case hex.
	SHA256 string `json:"sha256"`
	// Size is the archive's size in bytes.
	Size int64 `json:"size"`
	// Build is the archive's build inputs (its X.build.json, as written,
	// see BuildInputs); absent when the archive had none.
	Build json.RawMessage `json:"build,omitempty"`
}

// BuildInputs are the fields of a build inputs sidecar (X.build.json) that
// Index reads; the sidecar is kept whole in Artifact.Build.
type BuildInputs struct {
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	Version      string   `json:"version"`
	PHPAPI       string   `json:"php_api,omitempty"`
	Stack        string   `json:"stack"`
	Source       Source   `json:"source"`
	Configure    []string `json:"configure"`
	ScriptSHA256 string   `json:"script_sha256,omitempty"`
	Builder      string   `json:"builder"`
}

// Source is where an archive's source came from, and its SHA-256.
type Source struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// ParseManifest reads a manifest and checks what clients rely on: the
// schema, the stack, and that every artifact has a clean relative path
// (listed once) and a SHA-256.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	if m.Schema != Schema {
		return nil, fmt.Errorf("the manifest has schema %d; this kiln reads schema %d", m.Schema, Schema)
	}
	if m.Stack == "" {
		return nil, fmt.Errorf("the manifest names no stack")
	}
	seen := map[string]bool{}
	for i, a := range m.Artifacts {
		if err := checkRelPath(a.Path); err != nil {
			return nil, fmt.Errorf("artifact %d of the manifest: %w", i, err)
		}
		if seen[a.Path] {
			return nil, fmt.Errorf("the manifest lists %s twice", a.Path)
		}
		seen[a.Path] = true
		if len(a.SHA256) != 64 || strings.Trim(strings.ToLower(a.SHA256), "0123456789abcdef") != "" {
			return nil, fmt.Errorf("the manifest's entry for %s has no valid sha256 (%q)", a.Path, a.SHA256)
		}
	}
	return &m, nil
}

// checkRelPath accepts a clean, relative, slash-separated path that stays
// inside the manifest's directory.
func checkRelPath(p string) error {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "\\") {
		return fmt.Errorf("path %q is not a clean path inside the repository directory", p)
	}
	return nil
}

// Lookup returns the artifact at rel (a path relative to the manifest's
// directory).
func (m *Manifest) Lookup(rel string) (Artifact, bool) {
	for _, a := range m.Artifacts {
		if a.Path == rel {
			return a, true
		}
	}
	return Artifact{}, false
}
