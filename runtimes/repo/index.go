package repo

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/internal/atomicfile"
)

// Indexed is one repository directory Index wrote a manifest for.
type Indexed struct {
	// Dir is the directory (DIR/<kind>/<stack>).
	Dir string
	// Manifest is what was written to Dir/manifest.json.
	Manifest Manifest
}

// Index writes and signs the manifest of every repository directory of
// the repository root dir (dir/<kind>/<stack>/): each archive under it
// (*.tgz, *.tar.gz, *.phar, in subdirectories too) hashed, with its kind,
// name and version read from its X.build.json when it has one, else from
// its name as the layout gives it.
func Index(dir string, key ed25519.PrivateKey) ([]Indexed, error) {
	return index(dir, key, time.Now())
}

func index(dir string, key ed25519.PrivateKey, now time.Time) ([]Indexed, error) {
	kinds, err := subdirs(dir)
	if err != nil {
		return nil, err
	}
	var out []Indexed
	for _, kind := range kinds {
		stacks, err := subdirs(filepath.Join(dir, kind))
		if err != nil {
			return nil, err
		}
		for _, stack := range stacks {
			d := filepath.Join(dir, kind, stack)
			m, err := manifestOf(d, kind, stack, now)
			if err != nil {
				return nil, err
			}
			if err := writeSigned(d, m, key); err != nil {
				return nil, err
			}
			out = append(out, Indexed{Dir: d, Manifest: *m})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no <kind>/<stack>/ directories (such as php/scalingo-26/): nothing to index", dir)
	}
	return out, nil
}

// subdirs lists the directories of dir, leaving out hidden ones.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the repository: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// isArchive reports whether name is an archive the repository serves.
func isArchive(name string) bool {
	return strings.HasSuffix(name, ".tgz") || strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".phar")
}

// manifestOf hashes the archives of one repository directory.
func manifestOf(dir, kind, stack string, now time.Time) (*Manifest, error) {
	m := &Manifest{Schema: Schema, Stack: stack, Generated: now.UTC().Format(time.RFC3339), Artifacts: []Artifact{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isArchive(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		a, err := artifactOf(p, filepath.ToSlash(rel), kind, stack)
		if err != nil {
			return err
		}
		m.Artifacts = append(m.Artifacts, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("indexing %s: %w", dir, err)
	}
	slices.SortFunc(m.Artifacts, func(a, b Artifact) int { return strings.Compare(a.Path, b.Path) })
	return m, nil
}

// artifactOf hashes one archive and describes it.
func artifactOf(file, rel, dirKind, stack string) (Artifact, error) {
	a := describe(rel, dirKind)
	f, err := os.Open(file)
	if err != nil {
		return a, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return a, fmt.Errorf("hashing %s: %w", rel, err)
	}
	a.SHA256, a.Size = hex.EncodeToString(h.Sum(nil)), n
	side, err := os.ReadFile(file + SidecarSuffix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if a.Kind == "" {
			return a, fmt.Errorf("%s: kiln cannot tell what this archive is from its name, and it has no %s: name it as the layout says (php-<version>.tgz, nginx-<version>.tgz, composer-<version>.phar, ext/<api>/php-<ext>.tgz) or write its build inputs next to it", rel, path.Base(rel)+SidecarSuffix)
		}
		return a, nil
	case err != nil:
		return a, err
	}
	if err := a.setBuild(side, rel, stack); err != nil {
		return a, err
	}
	return a, nil
}

// setBuild records a sidecar's build inputs, checking them against what
// the archive's name and place say.
func (a *Artifact) setBuild(side []byte, rel, stack string) error {
	name := path.Base(rel) + SidecarSuffix
	var in BuildInputs
	if err := json.Unmarshal(side, &in); err != nil {
		return fmt.Errorf("%s: reading %s: %w", rel, name, err)
	}
	check := func(field, got, want string) error {
		if got != "" && want != "" && got != want {
			return fmt.Errorf("%s: %s says %s %q, but the archive's name or place says %q", rel, name, field, got, want)
		}
		return nil
	}
	api := ""
	if parts := strings.Split(rel, "/"); len(parts) == 3 && parts[0] == "ext" {
		api = parts[1]
	}
	for _, c := range [][3]string{{"kind", in.Kind, a.Kind}, {"name", in.Name, a.Name}, {"version", in.Version, a.Version},
		{"stack", in.Stack, stack}, {"php_api", in.PHPAPI, api}} {
		if err := check(c[0], c[1], c[2]); err != nil {
			return err
		}
	}
	if in.Kind == "" || in.Name == "" {
		return fmt.Errorf("%s: %s has no kind or no name", rel, name)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, side); err != nil {
		return fmt.Errorf("%s: reading %s: %w", rel, name, err)
	}
	a.Kind, a.Name, a.Build = in.Kind, in.Name, buf.Bytes()
	if in.Version != "" {
		a.Version = in.Version
	}
	return nil
}

var (
	// versioned is <name>-<version>.<ext> (php-8.2.32.tgz).
	versioned = regexp.MustCompile(`^([a-z]+)-(\d[0-9A-Za-z.+-]*)\.(tgz|tar\.gz|phar)$`)
	// extension is php-<ext>[-<version>].tgz.
	extension = regexp.MustCompile(`^php-([A-Za-z0-9_]+(?:-[A-Za-z][A-Za-z0-9_]*)*)(?:-(\d[0-9A-Za-z.+-]*))?\.(tgz|tar\.gz)$`)
)

// describe tells an archive's kind, name and version from its path in a
// repository directory of dirKind; Kind stays "" when the name does not
// follow the layout.
func describe(rel, dirKind string) Artifact {
	a := Artifact{Path: rel}
	parts := strings.Split(rel, "/")
	base := parts[len(parts)-1]
	switch {
	case len(parts) == 3 && parts[0] == "ext":
		if m := extension.FindStringSubmatch(base); m != nil {
			a.Kind, a.Name, a.Version = KindExtension, m[1], m[2]
		}
	case len(parts) == 1:
		if m := versioned.FindStringSubmatch(base); m != nil {
			switch {
			case m[1] == "php" && dirKind == "php" && m[3] != "phar":
				a.Kind, a.Name, a.Version = KindPHP, "php", m[2]
			case m[1] == "nginx" && dirKind == "nginx" && m[3] != "phar":
				a.Kind, a.Name, a.Version = KindNginx, "nginx", m[2]
			case m[1] == "composer" && m[3] == "phar":
				a.Kind, a.Name, a.Version = KindComposer, "composer", m[2]
			}
		}
	}
	return a
}

// writeSigned writes m to dir/manifest.json, then its signature.
func writeSigned(dir string, m *Manifest, key ed25519.PrivateKey) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := atomicfile.Write(filepath.Join(dir, ManifestName), data, 0o644); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, SignatureName), Sign(data, key), 0o644); err != nil {
		return fmt.Errorf("writing the manifest's signature: %w", err)
	}
	return nil
}
