package buildpack

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// maxProcfileLine is the longest Procfile line the readers take (bufio's
// default token size).
const maxProcfileLine = 64 << 10

// CheckProcfile fails, at plan time, on an app's Procfile that is not a
// text file: a NUL byte, bytes that are not UTF-8, or a line longer than
// 64 KiB, which the Procfile readers after the build would stop at. A
// missing Procfile is fine.
func CheckProcfile(appDir string) error {
	b, err := os.ReadFile(filepath.Join(appDir, "Procfile"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading Procfile: %w", err)
	}
	for i, line := range bytes.Split(b, []byte("\n")) {
		var why string
		switch {
		case bytes.IndexByte(line, 0) >= 0:
			why = "holds a NUL byte"
		case !utf8.Valid(line):
			why = "is not UTF-8 text"
		case len(line) > maxProcfileLine:
			why = fmt.Sprintf("is %d bytes long (at most %d)", len(line), maxProcfileLine)
		default:
			continue
		}
		return &UserError{
			Msg:  fmt.Sprintf("Procfile is not a text file: line %d %s", i+1, why),
			Hint: "A Procfile has one `type: command` line per process type, e.g. `web: npm start`. Replace the file, or remove it.",
		}
	}
	return nil
}
