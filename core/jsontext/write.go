// Package jsontext writes and reads the little JSON this binary needs
// (svstat --json, rc --json, the rc database) without encoding/json. That
// package and the reflection it drives make up a tenth of the binary, and
// every process pays for their type tables at start-up (about 0.5 ms per
// start on a small VM), although only three commands print JSON.
//
// The writer escapes strings exactly as encoding/json does, so output is
// byte-for-byte what json.Marshal gives for the same values.
package jsontext

import (
	"strconv"
	"unicode/utf8"
)

// Writer appends JSON to a byte slice. It inserts the commas itself: call
// Key before each member of an object, then the value.
type Writer struct {
	B      []byte
	indent string // "" for compact output
	depth  int
	first  bool // no member/element written yet at this depth
	key    bool // a key was just written: the value needs no separator
}

// NewIndent returns a writer that indents nested values with indent, as
// json.MarshalIndent(v, "", indent) does.
func NewIndent(indent string) *Writer { return &Writer{indent: indent} }

func (w *Writer) sep() {
	if w.key {
		w.key = false
		return
	}
	if w.depth == 0 {
		return
	}
	if !w.first {
		w.B = append(w.B, ',')
	}
	w.first = false
	w.newline()
}

func (w *Writer) newline() {
	if w.indent == "" {
		return
	}
	w.B = append(w.B, '\n')
	for i := 0; i < w.depth; i++ {
		w.B = append(w.B, w.indent...)
	}
}

func (w *Writer) open(c byte) {
	w.sep()
	w.B = append(w.B, c)
	w.depth++
	w.first = true
}

func (w *Writer) close(c byte) {
	w.depth--
	if !w.first {
		w.newline()
	}
	w.first = false
	w.B = append(w.B, c)
}

// BeginObject starts an object; EndObject ends it.
func (w *Writer) BeginObject() { w.open('{') }

// EndObject ends the innermost object.
func (w *Writer) EndObject() { w.close('}') }

// BeginArray starts an array; EndArray ends it.
func (w *Writer) BeginArray() { w.open('[') }

// EndArray ends the innermost array.
func (w *Writer) EndArray() { w.close(']') }

// Key writes the name of the next object member.
func (w *Writer) Key(k string) {
	w.sep()
	w.B = appendString(w.B, k)
	w.B = append(w.B, ':')
	if w.indent != "" {
		w.B = append(w.B, ' ')
	}
	w.key = true
}

// String writes a string value.
func (w *Writer) String(s string) {
	w.sep()
	w.B = appendString(w.B, s)
}

// Int writes an integer value.
func (w *Writer) Int(n int64) {
	w.sep()
	w.B = strconv.AppendInt(w.B, n, 10)
}

// Uint writes an unsigned integer value.
func (w *Writer) Uint(n uint64) {
	w.sep()
	w.B = strconv.AppendUint(w.B, n, 10)
}

// Bool writes true or false.
func (w *Writer) Bool(b bool) {
	w.sep()
	w.B = strconv.AppendBool(w.B, b)
}

// Null writes null.
func (w *Writer) Null() {
	w.sep()
	w.B = append(w.B, "null"...)
}

// StringMember writes the member k with the string value v.
func (w *Writer) StringMember(k, v string) {
	w.Key(k)
	w.String(v)
}

// BoolMember writes the member k with the boolean value v.
func (w *Writer) BoolMember(k string, v bool) {
	w.Key(k)
	w.Bool(v)
}

// IntMember writes the member k with the integer value v.
func (w *Writer) IntMember(k string, v int64) {
	w.Key(k)
	w.Int(v)
}

// Strings writes a string array, or null for a nil slice (as
// encoding/json does).
func (w *Writer) Strings(l []string) {
	if l == nil {
		w.Null()
		return
	}
	w.BeginArray()
	for _, s := range l {
		w.String(s)
	}
	w.EndArray()
}

// Ints writes an integer array, or null for a nil slice.
func (w *Writer) Ints(l []int) {
	if l == nil {
		w.Null()
		return
	}
	w.BeginArray()
	for _, n := range l {
		w.Int(int64(n))
	}
	w.EndArray()
}

const hex = "0123456789abcdef"

// appendString quotes s the way encoding/json does by default: control
// characters, quote and backslash escaped, <, > and & as \u00XX, U+2028 and
// U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
