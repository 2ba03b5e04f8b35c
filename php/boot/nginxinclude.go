package boot

import (
	"fmt"
	"os"
	"strings"
)

// nginxDirective is a directive of an nginx configuration file: its name,
// arguments, line and depth (0 for the file's top level).
type nginxDirective struct {
	Name  string
	Args  []string
	Line  int
	Depth int
}

// nginxDirectives lists the directives of an nginx configuration text, the
// ones inside blocks included, skipping comments and honouring quotes. It
// reads what nginx would; it does not check the syntax (nginx -t does).
func nginxDirectives(text string) []nginxDirective {
	var (
		out   []nginxDirective
		words []string
		depth int
		line  = 1
		start = 1
	)
	flush := func() {
		if len(words) > 0 {
			out = append(out, nginxDirective{Name: words[0], Args: words[1:], Line: start, Depth: depth})
		}
		words = nil
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			line++
		case c == ' ' || c == '\t' || c == '\r':
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			line++
		case c == ';':
			flush()
		case c == '{':
			flush()
			depth++
		case c == '}':
			flush()
			if depth > 0 {
				depth--
			}
		default:
			if len(words) == 0 {
				start = line
			}
			var w strings.Builder
			if c == '"' || c == '\'' {
				q := c
				for i++; i < len(text) && text[i] != q; i++ {
					if text[i] == '\\' && i+1 < len(text) {
						i++
					}
					if text[i] == '\n' {
						line++
					}
					w.WriteByte(text[i])
				}
			} else {
				for ; i < len(text) && !strings.ContainsRune(" \t\r\n;{}#", rune(text[i])); i++ {
					w.WriteByte(text[i])
				}
				i--
			}
			words = append(words, w.String())
		}
	}
	flush()
	return out
}

// rootLocationLine returns the line of the top-level `location /` (or
// `location ^~ /`) of an nginx include, 0 when it has none. That location
// would collide with the framework rules' own.
func rootLocationLine(text string) int {
	for _, d := range nginxDirectives(text) {
		if d.Depth != 0 || d.Name != "location" {
			continue
		}
		args := d.Args
		if len(args) == 2 && args[0] == "^~" {
			args = args[1:]
		}
		if len(args) == 1 && args[0] == "/" {
			return d.Line
		}
	}
	return 0
}

// RootLocation finds the first of the app's server-scope nginx includes
// (absolute paths) that defines `location /`, which then replaces the
// framework rules' own. It returns "" and 0 when none does.
func RootLocation(includes []string) (string, int, error) {
	for _, p := range includes {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", 0, fmt.Errorf("reading nginx include: %w", err)
		}
		if n := rootLocationLine(string(data)); n > 0 {
			return p, n, nil
		}
	}
	return "", 0, nil
}
