// Package execlex splits an s6-rc oneshot script (up, down, reload) into an
// argv at compile time, following the execline lexer's rules:
//
//   - words are separated by whitespace (space, tab, newline and the other
//     control characters);
//   - a '#' at the start of a word starts a comment that runs to the end of
//     the line; inside a word it is literal;
//   - outside quotes, a backslash makes the next character literal, and a
//     backslash-newline between words is a line continuation;
//   - inside "…", \a \b \f \n \r \t \v are the usual escapes, \ddd is a
//     decimal byte, \0ooo an octal byte and \0xhh a hex byte (value 1–255),
//     backslash-newline disappears and \ followed by anything else is that
//     character;
//   - quoted and unquoted parts next to each other make one word;
//   - a bare '{' opens a block and a bare '}' closes it, encoded the
//     execline way: each word inside a block of depth d is prefixed with d
//     spaces, '{' itself produces no word and '}' produces a word of d-1
//     spaces.
//
// Not supported (execline features that are not lexing): variable
// substitution, the `!` and `-P`/`-S` options of execlineb; a script is
// never run through execlineb, its argv is exec'd directly.
package execlex

import "fmt"

// Error is a lexing error; Msg is "unmatched {", "unmatched }" or a reason.
type Error struct {
	Msg    string
	Offset int
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset)
}

func isSpace(c byte) bool { return c <= ' ' || c == 0x7f }

// Split lexes src into words.
func Split(src []byte) ([]string, error) {
	var out []string
	depth := 0
	i := 0
	n := len(src)
	for {
		// skip blanks, comments and continuations between words
		for i < n {
			c := src[i]
			switch {
			case isSpace(c):
				i++
				continue
			case c == '#':
				for i < n && src[i] != '\n' {
					i++
				}
				continue
			case c == '\\' && i+1 < n && src[i+1] == '\n':
				i += 2
				continue
			}
			break
		}
		if i >= n {
			break
		}
		start := i
		var w []byte
		quotedAny := false
		for i < n && !isSpace(src[i]) {
			c := src[i]
			switch c {
			case '\\':
				if i+1 >= n {
					return nil, &Error{"backslash at end of input", i}
				}
				w = append(w, src[i+1])
				quotedAny = true
				i += 2
			case '"':
				quotedAny = true
				i++
				closed := false
				for i < n {
					c := src[i]
					if c == '"' {
						i++
						closed = true
						break
					}
					if c != '\\' {
						w = append(w, c)
						i++
						continue
					}
					if i+1 >= n {
						return nil, &Error{"unterminated quoted string", start}
					}
					e := src[i+1]
					i += 2
					switch e {
					case 'a':
						w = append(w, 7)
					case 'b':
						w = append(w, 8)
					case 'f':
						w = append(w, 12)
					case 'n':
						w = append(w, 10)
					case 'r':
						w = append(w, 13)
					case 't':
						w = append(w, 9)
					case 'v':
						w = append(w, 11)
					case '\n':
					case '0':
						base, maxd := 8, 3
						if i < n && (src[i] == 'x' || src[i] == 'X') {
							base, maxd = 16, 2
							i++
						}
						v, used := number(src[i:], base, maxd)
						if used == 0 || v < 1 || v > 255 {
							return nil, &Error{"invalid numeric escape", i}
						}
						i += used
						w = append(w, byte(v))
					case '1', '2', '3', '4', '5', '6', '7', '8', '9':
						v, used := number(src[i-1:], 10, 3)
						if v < 1 || v > 255 {
							return nil, &Error{"invalid numeric escape", i}
						}
						i += used - 1
						w = append(w, byte(v))
					default:
						w = append(w, e)
					}
				}
				if !closed {
					return nil, &Error{"unterminated quoted string", start}
				}
			default:
				w = append(w, c)
				i++
			}
		}
		word := string(w)
		if !quotedAny && word == "{" {
			depth++
			continue
		}
		if !quotedAny && word == "}" {
			if depth == 0 {
				return nil, &Error{"unmatched }", start}
			}
			depth--
			out = append(out, spaces(depth))
			continue
		}
		out = append(out, spaces(depth)+word)
	}
	if depth > 0 {
		return nil, &Error{"unmatched {", n}
	}
	return out, nil
}

func spaces(d int) string {
	b := make([]byte, d)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

// number reads up to maxd digits of base from b; it returns the value and the
// number of bytes used.
func number(b []byte, base, maxd int) (int, int) {
	v, used := 0, 0
	for used < len(b) && used < maxd {
		c := b[used]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		default:
			d = 99
		}
		if d >= base {
			break
		}
		v = v*base + d
		used++
	}
	return v, used
}
