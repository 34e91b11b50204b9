// Package execline is the language core of execline: the script parser of
// execlineb, the block encoding that carries { } blocks through argv, and the
// substitution engine that define, importas, elglob, multisubstitute and
// execlineb -S share. It does no I/O and runs nothing: the applets in
// s6box/applets do that.
package execline

import (
	"errors"
	"strconv"
)

// Parse errors, as execlineb reports them (all exit 100).
var (
	ErrSyntax         = errors.New("syntax error")
	ErrUnmatchedOpen  = errors.New("unmatched {")
	ErrUnmatchedClose = errors.New("unmatched }")
)

// Parser states (see execline's doc of el_parse: a byte-class × state
// automaton).
const (
	stStart   = iota // between words
	stComment        // in a # comment
	stOpenB          // after a raw { starting a word
	stCloseB         // after a raw } starting a word
	stW              // in an unquoted word
	stQ1             // after a backslash between words
	stQ2             // after a backslash in an unquoted word
	stQ3             // after a backslash in a quoted string
	stQ              // in a quoted string
	stOct            // after \0
	stOct1           // after \0d
	stOct2           // after \0dd
	stDec1           // after \d
	stDec2           // after \dd
	stHex            // after \0x
	stHex1           // after \0xh
	stEndNum         // after a complete numeric escape
	stEnd
	stErr
)

// Actions, applied in this order.
const (
	acScan  = 1 << iota // replace the digits since the mark by their value
	acMark              // remember where the digits start
	acNew               // new word: push one space per open block
	acOpen              // the word was a {: open a block, drop the word
	acClose             // the word was a }: close a block
	acPush              // push the current byte
	acCtl               // push the control character for \a \b \t \n \v \f \r
	acEnd               // end of word
	acBase              // choose the numeric base from the current byte
)

type cell struct {
	act  uint16
	next uint8
}

// byteClass maps a byte to one of the automaton's 16 classes: 0 NUL,
// 1 blank (every control character but newline, and space), 2 #, 3 ",
// 4 newline, 5 backslash, 6 other, 7 a b f, 8 1-7, 9 8 9, 10 0, 11 n r t v,
// 12 x, 13 A-F c d e, 14 {, 15 }.
func byteClass(b byte) int {
	switch {
	case b == 0:
		return 0
	case b == '\n':
		return 4
	case b <= ' ':
		return 1
	}
	switch b {
	case '#':
		return 2
	case '"':
		return 3
	case '\\':
		return 5
	case 'a', 'b', 'f':
		return 7
	case '8', '9':
		return 9
	case '0':
		return 10
	case 'n', 'r', 't', 'v':
		return 11
	case 'x':
		return 12
	case 'A', 'B', 'C', 'D', 'E', 'F', 'c', 'd', 'e':
		return 13
	case '{':
		return 14
	case '}':
		return 15
	}
	if b >= '1' && b <= '7' {
		return 8
	}
	return 6
}

// transition is the automaton: what to do with a byte of class cl in state
// st.
func transition(st uint8, cl int) cell {
	c := func(act uint16, next uint8) cell { return cell{act, next} }
	switch st {
	case stStart:
		switch cl {
		case 0:
			return c(0, stEnd)
		case 1, 4:
			return c(0, stStart)
		case 2:
			return c(0, stComment)
		case 3:
			return c(acNew, stQ)
		case 5:
			return c(0, stQ1)
		case 14:
			return c(acNew|acPush, stOpenB)
		case 15:
			return c(acNew|acPush, stCloseB)
		}
		return c(acNew|acPush, stW)
	case stComment:
		switch cl {
		case 0:
			return c(0, stEnd)
		case 4:
			return c(0, stStart)
		}
		return c(0, stComment)
	case stOpenB, stCloseB, stW:
		switch cl {
		case 0:
			switch st {
			case stOpenB:
				return c(0, stErr)
			case stCloseB:
				return c(acClose|acEnd, stEnd)
			}
			return c(acEnd, stEnd)
		case 1, 4:
			switch st {
			case stOpenB:
				return c(acOpen, stStart)
			case stCloseB:
				return c(acClose|acEnd, stStart)
			}
			return c(acEnd, stStart)
		case 3:
			return c(0, stQ)
		case 5:
			if st == stW {
				return c(0, stQ2)
			}
			return c(0, stQ1)
		}
		return c(acPush, stW)
	case stQ1:
		switch cl {
		case 0:
			return c(0, stEnd)
		case 4:
			return c(0, stStart)
		}
		return c(acNew|acPush, stW)
	case stQ2:
		if cl == 0 {
			return c(0, stErr)
		}
		return c(acPush, stW)
	case stQ3:
		switch cl {
		case 0:
			return c(0, stErr)
		case 4:
			return c(0, stQ)
		case 7, 11:
			return c(acCtl, stQ)
		case 8, 9:
			return c(acMark|acPush|acBase, stDec1)
		case 10:
			return c(acBase, stOct)
		}
		return c(acPush, stQ)
	case stQ:
		switch cl {
		case 0:
			return c(0, stErr)
		case 3:
			return c(0, stW)
		case 5:
			return c(0, stQ3)
		}
		return c(acPush, stQ)
	case stOct:
		switch cl {
		case 8, 10:
			return c(acMark|acPush, stOct1)
		case 12:
			return c(acBase, stHex)
		}
		return c(0, stErr)
	case stHex:
		switch cl {
		case 7, 8, 9, 10, 13:
			return c(acMark|acPush, stHex1)
		}
		return c(0, stErr)
	}
	// stOct1, stOct2, stDec1, stDec2, stHex1, stEndNum: a digit continues
	// the number, anything else ends it and is handled as in a quoted string.
	digit := false
	switch st {
	case stOct1, stOct2:
		digit = cl == 8 || cl == 10
	case stDec1, stDec2:
		digit = cl == 8 || cl == 9 || cl == 10
	case stHex1:
		digit = cl == 7 || cl == 8 || cl == 9 || cl == 10 || cl == 13
	}
	if digit {
		switch st {
		case stOct1:
			return c(acPush, stOct2)
		case stDec1:
			return c(acPush, stDec2)
		}
		return c(acPush, stEndNum)
	}
	switch cl {
	case 0:
		return c(acScan|acEnd, stEnd)
	case 3:
		return c(acScan, stW)
	case 5:
		return c(acScan, stQ3)
	}
	return c(acScan|acPush, stQ)
}

// Parse turns an execline script into the argv execlineb would exec: words
// split on blanks and newlines, "quoted strings" with C-like escapes
// (\a \b \t \n \v \f \r, \ddd decimal, \0ooo octal, \0xhh hex), # comments,
// and { } blocks encoded as execline does: every word inside a block gets one
// leading space per nesting level and the block ends with a word made of the
// outer level's spaces only (the empty word at top level). A NUL byte ends
// the script, as in execline.
func Parse(script []byte) ([]string, error) {
	var sa []byte
	var words []string
	mark := 0
	blevel := 0
	base := 10
	st := uint8(stStart)
	for i := 0; st < stEnd; i++ {
		var cur byte
		if i < len(script) {
			cur = script[i]
		}
		t := transition(st, byteClass(cur))
		st = t.next
		a := t.act
		if a&acScan != 0 {
			u, err := strconv.ParseUint(string(sa[mark:]), base, 64)
			if err != nil || u == 0 || u > 0xff {
				return nil, ErrSyntax
			}
			sa = append(sa[:mark], byte(u))
		}
		if a&acMark != 0 {
			mark = len(sa)
		}
		if a&acNew != 0 {
			for k := 0; k < blevel; k++ {
				sa = append(sa, ' ')
			}
		}
		if a&acOpen != 0 {
			blevel++
			sa = sa[:len(sa)-blevel]
		}
		if a&acClose != 0 {
			if blevel == 0 {
				return nil, ErrUnmatchedClose
			}
			blevel--
			sa = sa[:len(sa)-2]
		}
		if a&acPush != 0 {
			sa = append(sa, cur)
		}
		if a&acCtl != 0 {
			sa = append(sa, ctlByte(cur))
		}
		if a&acEnd != 0 {
			words = append(words, string(sa))
			sa = sa[:0]
			mark = 0
		}
		if a&acBase != 0 {
			switch cur {
			case 'x':
				base = 16
			case '0':
				base = 8
			default:
				base = 10
			}
		}
	}
	if st == stErr {
		return nil, ErrSyntax
	}
	if blevel != 0 {
		return nil, ErrUnmatchedOpen
	}
	return words, nil
}

func ctlByte(c byte) byte {
	switch c {
	case 'a':
		return 7
	case 'b':
		return 8
	case 't':
		return 9
	case 'n':
		return 10
	case 'v':
		return 11
	case 'f':
		return 12
	case 'r':
		return 13
	}
	return c
}
