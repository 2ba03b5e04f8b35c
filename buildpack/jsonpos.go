package buildpack

import "bytes"

// JSONPosition converts a byte offset reported by encoding/json (in a
// SyntaxError or UnmarshalTypeError: the number of bytes read when the error
// was found, so it points just past the offending byte) into the 1-based line
// and column of that byte, for messages users can act on.
func JSONPosition(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset > 0 {
		offset--
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
