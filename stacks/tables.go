package stacks

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:generate go run ./gen -spec gen/sources.toml -out data

// dataFS holds one TOML table per stack, data/<name>.toml.
//
//go:embed data/*.toml
var dataFS embed.FS

// Component identifiers accepted by Available.
const (
	componentNode     = "node"
	componentPHP      = "php"
	componentNginx    = "nginx"
	componentComposer = "composer"
)

// Names returns the names of the known stacks, sorted.
func Names() []string {
	entries, err := fs.ReadDir(dataFS, "data")
	if err != nil {
		// The directory is embedded at build time; it cannot be missing.
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	return names // fs.ReadDir sorts by file name
}

// UnknownStackError reports a stack name kiln has no table for.
type UnknownStackError struct {
	// Name is the requested stack.
	Name string
	// Known lists the stacks kiln knows, sorted.
	Known []string
}

// Error implements error.
func (e *UnknownStackError) Error() string {
	return fmt.Sprintf("unknown stack %q: kiln knows %s", e.Name, strings.Join(e.Known, ", "))
}

// Load returns the tables of the named stack; "" means DefaultName. An
// unknown name gives an *UnknownStackError listing the known stacks. Each
// call parses the embedded table afresh, so callers own the result.
func Load(name string) (*Stack, error) {
	if name == "" {
		name = DefaultName
	}
	if name != path.Base(name) || strings.HasPrefix(name, ".") {
		return nil, &UnknownStackError{Name: name, Known: Names()}
	}
	file := "data/" + name + ".toml"
	raw, err := dataFS.ReadFile(file)
	if err != nil {
		return nil, &UnknownStackError{Name: name, Known: Names()}
	}
	var s Stack
	md, err := toml.Decode(string(raw), &s)
	if err != nil {
		return nil, fmt.Errorf("parsing stack table %s: %w", file, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return nil, fmt.Errorf("parsing stack table %s: unknown key %s", file, extra[0])
	}
	if err := s.validate(name); err != nil {
		return nil, fmt.Errorf("checking stack table %s: %w", file, err)
	}
	return &s, nil
}

// validate checks the structure of a freshly decoded table. It is cheap on
// purpose (Load runs it on every call); the version strings themselves are
// checked when parsed for resolution and, exhaustively, by the tests.
func (s *Stack) validate(name string) error {
	if s.Name != name {
		return fmt.Errorf("table names stack %q, want %q", s.Name, name)
	}
	if s.Deprecated && s.Discontinued == "" {
		return fmt.Errorf("deprecated stack has no discontinued date")
	}
	for _, c := range []struct {
		id   string
		comp *Component
	}{
		{componentNode, &s.Node}, {componentPHP, &s.PHP},
		{componentNginx, &s.Nginx}, {componentComposer, &s.Composer},
	} {
		if len(c.comp.Lines) == 0 {
			return fmt.Errorf("%s: no release lines", c.id)
		}
		for _, l := range c.comp.Lines {
			if len(l.Versions) == 0 {
				return fmt.Errorf("%s line %s: no versions", c.id, l.Name)
			}
		}
		if c.comp.line(c.comp.Default) == nil {
			return fmt.Errorf("%s: default line %q is not in the table", c.id, c.comp.Default)
		}
	}
	return nil
}

// line returns the line with the given name, or nil.
func (c *Component) line(name string) *Line {
	for i := range c.Lines {
		if c.Lines[i].Name == name {
			return &c.Lines[i]
		}
	}
	return nil
}

// Newest returns the newest version of the line.
func (l *Line) Newest() string {
	if len(l.Versions) == 0 {
		return ""
	}
	return l.Versions[len(l.Versions)-1]
}

// component returns the table and display name of a component identifier.
func (s *Stack) component(id string) (*Component, string, bool) {
	switch id {
	case componentNode:
		return &s.Node, "Node.js", true
	case componentPHP:
		return &s.PHP, "PHP", true
	case componentNginx:
		return &s.Nginx, "nginx", true
	case componentComposer:
		return &s.Composer, "Composer", true
	}
	return nil, "", false
}

// Available describes what the stack offers for a component ("node", "php",
// "nginx" or "composer"), oldest line first, e.g.
// "22 LTS (up to 22.23.1), 24 LTS (up to 24.18.0), 26 (up to 26.4.0)".
// It returns "" for an unknown component.
func (s *Stack) Available(component string) string {
	c, _, ok := s.component(component)
	if !ok {
		return ""
	}
	return c.available()
}

func (c *Component) available() string {
	var b strings.Builder
	for i, l := range c.Lines {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.Name)
		if l.Label != "" {
			b.WriteString(" " + l.Label)
		}
		b.WriteString(" (up to " + l.Newest() + ")")
	}
	return b.String()
}

// DeprecationWarning returns "" unless the stack is deprecated; then it is a
// sentence naming the discontinuation date and the stacks to move to.
func (s *Stack) DeprecationWarning() string {
	if !s.Deprecated {
		return ""
	}
	target := "a supported stack"
	switch n := len(s.Successors); {
	case n == 1:
		target = s.Successors[0]
	case n > 1:
		target = strings.Join(s.Successors[:n-1], ", ") + " or " + s.Successors[n-1]
	}
	when := "soon"
	if s.Discontinued != "" {
		when = "on " + s.Discontinued
	}
	return fmt.Sprintf("The %s stack is deprecated and will be discontinued %s: move this application to %s before that date.",
		s.Name, when, target)
}
