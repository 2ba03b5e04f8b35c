package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// helpRequest is returned by a command whose arguments asked for its usage
// (-h or --help); fs holds the command's flags, nil when it has none.
type helpRequest struct{ fs *flag.FlagSet }

func (*helpRequest) Error() string { return "help requested" }

// isHelpFlag reports whether arg asks for usage.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help"
}

// printCommandHelp prints a command's usage line, what it does and, when it
// has flags, each flag with its description and default.
func printCommandHelp(w io.Writer, cmd command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: kiln %s\n\n%s\n", cmd.usage, cmd.summary)
	if fs == nil {
		return
	}
	fmt.Fprintln(w, "\nOptions:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// unknownFlagError turns the flag package's error for an undefined flag into
// one that names the closest flag of fs; other errors keep their text.
func unknownFlagError(fs *flag.FlagSet, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return usagef("%s: %v", fs.Name(), err)
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	msg := fmt.Sprintf("%s: unknown flag --%s", fs.Name(), name)
	if s := closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean --%s?", s)
	}
	return usagef("%s\n(kiln help %s lists the options)", msg, fs.Name())
}

// unknownCommand prints that name is not a command, the closest command
// when one is near, and the general usage.
func unknownCommand(w io.Writer, name string, cmds map[string]command) {
	msg := fmt.Sprintf("unknown command %q", name)
	if s := closest(name, slices.Sorted(maps.Keys(cmds))); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	fmt.Fprintf(w, " !     %s\n", msg)
	usage(w, cmds)
}

// closest returns the candidate nearest to s by edit distance when it is
// near enough to be a likely misspelling (distance at most 2 and shorter
// than s, or one a prefix of the other), else "".
func closest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(s, c)
		near := (d <= 2 && d < len(s)) || (len(s) > 1 && strings.HasPrefix(c, s)) || (len(c) > 1 && strings.HasPrefix(s, c))
		if near && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// bytes (flag and command names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
