package execline

import "fmt"

// EnvfileSyntaxError is envfile's "syntax error line N".
type EnvfileSyntaxError struct{ Line int }

func (e *EnvfileSyntaxError) Error() string { return fmt.Sprintf("syntax error line %d", e.Line) }

// Envfile states.
const (
	efStart = iota
	efComment
	efVar
	efWaitEq
	efEq
	efVal
	efSpace
	efQ
	efEsc
	efQEsc
	efHex0
	efHex1
	efOct1
	efOct2
	efEnd
	efErr
)

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' || c == '\r' }

// ParseEnvfile reads envfile's format: lines of `NAME = value`, # comments,
// blanks around the = and at the end of the value ignored, a backslash
// before a newline joining lines, "quoted parts" with C escapes (\a \b \t
// \n \v \f \r, \\ \" \' \?, \xHH, \ooo octal). It returns the definitions
// in order as NAME=value strings (a value is cut at a NUL byte, as a C
// string would be).
func ParseEnvfile(data []byte) ([]string, error) {
	var out []string
	var sa []byte
	line := 1
	mark := 0
	st := efStart
	scanOct := func() {
		v := 0
		for _, d := range sa[mark:] {
			v = v*8 + int(d-'0')
		}
		sa = append(sa[:mark], byte(v))
	}
	finish := func() {
		def := sa
		for i, b := range def {
			if b == 0 {
				def = def[:i]
				break
			}
		}
		out = append(out, string(def))
		sa = sa[:0]
	}
	for i := 0; st < efEnd; i++ {
		var c byte
		if i < len(data) {
			c = data[i]
		}
		if c == 0 {
			// NUL or end of input
			switch st {
			case efStart, efComment:
				st = efEnd
			case efEq, efVal:
				finish()
				st = efEnd
			case efSpace:
				sa = sa[:mark]
				finish()
				st = efEnd
			default:
				st = efErr
			}
			continue
		}
		switch st {
		case efStart:
			switch {
			case c == '#':
				st = efComment
			case c == '\n':
				line++
			case isBlank(c):
			case c == '=' || c == '\\' || c == '"' || c == '\'' || c == '?':
				st = efErr
			default:
				sa = append(sa, c)
				st = efVar
			}
		case efComment:
			if c == '\n' {
				line++
				st = efStart
			}
		case efVar:
			switch {
			case c == '=':
				sa = append(sa, c)
				st = efEq
			case isBlank(c):
				st = efWaitEq
			case c == '\n' || c == '\\' || c == '"' || c == '\'' || c == '?':
				st = efErr
			default:
				sa = append(sa, c)
			}
		case efWaitEq:
			switch {
			case c == '=':
				sa = append(sa, c)
				st = efEq
			case isBlank(c):
			default:
				st = efErr
			}
		case efEq, efVal, efSpace:
			switch {
			case c == '\n':
				if st == efSpace {
					sa = sa[:mark]
				} else {
					line++
				}
				finish()
				st = efStart
			case isBlank(c):
				switch st {
				case efEq:
				case efVal:
					mark = len(sa)
					sa = append(sa, c)
					st = efSpace
				default:
					sa = append(sa, c)
				}
			case c == '\\':
				st = efEsc
			case c == '"':
				st = efQ
			default:
				sa = append(sa, c)
				st = efVal
			}
		case efQ:
			switch c {
			case '\n':
				st = efErr
			case '\\':
				st = efQEsc
			case '"':
				st = efVal
			default:
				sa = append(sa, c)
			}
		case efEsc:
			switch {
			case c == '\n':
				line++
				st = efVal
			case isBlank(c) || c == '\\' || c == '"':
				sa = append(sa, c)
				st = efVal
			default:
				st = efErr
			}
		case efQEsc:
			switch {
			case c == '\n':
				line++
				st = efQ
			case c == 'x':
				st = efHex0
			case c >= '0' && c <= '7':
				mark = len(sa)
				sa = append(sa, c)
				st = efOct1
			case c == 'a' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't' || c == 'v':
				sa = append(sa, ctlByte(c))
				st = efQ
			default:
				sa = append(sa, c)
				st = efQ
			}
		case efHex0, efHex1:
			if !isHexDigit(c) {
				st = efErr
				break
			}
			sa = append(sa, c)
			if st == efHex0 {
				st = efHex1
			} else {
				n := len(sa)
				sa = append(sa[:n-2], hexVal(sa[n-2])<<4|hexVal(sa[n-1]))
				st = efQ
			}
		case efOct1, efOct2:
			switch {
			case c >= '0' && c <= '7':
				sa = append(sa, c)
				if st == efOct1 {
					st = efOct2
				} else {
					scanOct()
					st = efQ
				}
			case c == '\n':
				st = efErr
			case c == '\\':
				scanOct()
				st = efQEsc
			case c == '"':
				scanOct()
				st = efVal
			default:
				scanOct()
				sa = append(sa, c)
				st = efQ
			}
		}
	}
	if st == efErr {
		return nil, &EnvfileSyntaxError{Line: line}
	}
	return out, nil
}
