package buildpack

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONPosition(t *testing.T) {
	tests := []struct {
		doc       string
		line, col int
	}{
		{"{\n  \"a\": 1,\n}\n", 3, 1},
		{"{\"a\": tru}", 1, 10},
		{"{\n  \"name\": \"x\",\n  oops\n}", 3, 3},
		{"", 1, 1},
		{"{\n", 1, 2}, // unexpected end: the last byte
	}
	for _, tt := range tests {
		var v any
		err := json.Unmarshal([]byte(tt.doc), &v)
		require.Error(t, err, tt.doc)
		off := int64(len(tt.doc))
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		line, col := JSONPosition([]byte(tt.doc), off)
		assert.Equal(t, []int{tt.line, tt.col}, []int{line, col}, "%q: %v", tt.doc, err)
	}
}
