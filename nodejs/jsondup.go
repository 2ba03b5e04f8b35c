package nodejs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// utf8BOM is the byte order mark some editors put at the start of a file.
var utf8BOM = []byte("\xef\xbb\xbf")

// jsonMember is one member of an object, in the order the file gives it.
type jsonMember struct {
	key   string
	value any // jsonObject, []any, json.Number, string, bool or nil
}

// jsonObject is an object with its members in order.
type jsonObject []jsonMember

// lastKeyWins rewrites valid JSON b so that a key given twice in an object
// keeps its last value at its first place, as JavaScript's JSON.parse (and
// so npm) reads it; gjson, which kiln reads package.json with, would take
// the first. It returns b unchanged and no duplicates when there are none,
// else the rewritten text and each duplicated key's path.
func lastKeyWins(b []byte) ([]byte, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var dups []string
	v, err := decodeOrdered(dec, "", &dups)
	if err != nil {
		return nil, nil, err
	}
	if len(dups) == 0 {
		return b, nil, nil
	}
	var out bytes.Buffer
	if err := encodeOrdered(&out, v); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), dups, nil
}

func decodeOrdered(dec *json.Decoder, path string, dups *[]string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var obj jsonObject
		index := map[string]int{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			sub := key
			if path != "" {
				sub = path + "." + key
			}
			v, err := decodeOrdered(dec, sub, dups)
			if err != nil {
				return nil, err
			}
			if i, ok := index[key]; ok {
				obj[i].value = v
				*dups = append(*dups, sub)
				continue
			}
			index[key] = len(obj)
			obj = append(obj, jsonMember{key, v})
		}
		_, err := dec.Token() // }
		return obj, err
	case json.Delim('['):
		list := []any{}
		for i := 0; dec.More(); i++ {
			v, err := decodeOrdered(dec, fmt.Sprintf("%s[%d]", path, i), dups)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.Token() // ]
		return list, err
	}
	return tok, nil
}

func encodeOrdered(w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case jsonObject:
		w.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				w.WriteByte(',')
			}
			k, _ := json.Marshal(m.key)
			w.Write(k)
			w.WriteByte(':')
			if err := encodeOrdered(w, m.value); err != nil {
				return err
			}
		}
		w.WriteByte('}')
		return nil
	case []any:
		w.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := encodeOrdered(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Write(b)
	return nil
}

// duplicateKeysWarning says which keys package.json gives twice.
func duplicateKeysWarning(dups []string) string {
	return fmt.Sprintf("package.json gives %s more than once; npm uses the last value of each, and so does kiln. "+
		"Remove the earlier ones so that every tool reads the same file.", quoteList(dups))
}

// quoteList spells names as "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
