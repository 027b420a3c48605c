package source

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// Fields builds a small JSON object (the AdditionalFields column) without
// reflection: keys are written sorted, values are strings or integers.
type Fields struct {
	keys []string
	vals []string // encoded JSON values
}

// Str adds a string value; empty strings are left out.
func (f *Fields) Str(key, v string) {
	if v == "" {
		return
	}
	f.keys = append(f.keys, key)
	f.vals = append(f.vals, string(appendJSONString(nil, v)))
}

// Int adds an integer value.
func (f *Fields) Int(key string, v int64) {
	f.keys = append(f.keys, key)
	f.vals = append(f.vals, strconv.FormatInt(v, 10))
}

// String returns the object's JSON text.
func (f *Fields) String() string {
	idx := make([]int, len(f.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return f.keys[idx[a]] < f.keys[idx[b]] })
	b := make([]byte, 0, 128)
	b = append(b, '{')
	for n, i := range idx {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.keys[i])
		b = append(b, ':')
		b = append(b, f.vals[i]...)
	}
	return string(append(b, '}'))
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
