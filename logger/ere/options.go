package ere

import (
	"strings"
)

// Options are regcomp's flags beyond the REG_EXTENDED|REG_NEWLINE that
// Compile assumes; the zero value is Compile's behaviour.
type Options struct {
	// Basic reads expr as a POSIX basic expression (regcomp without
	// REG_EXTENDED, with GNU's \+ \? \| extensions): \( \) group, \{ \}
	// bound, ( ) { } + ? | are ordinary characters, * is ordinary first
	// in an expression, ^ and $ are anchors only first and last.
	Basic bool
	// ICase is REG_ICASE: letters match both cases (ASCII, the C locale).
	ICase bool
	// NoNewline is the absence of REG_NEWLINE: '.' and non-matching
	// lists match a newline, ^ and $ only match at the ends of the text.
	NoNewline bool
}

// CompileOptions parses expr as the options say.
func CompileOptions(expr string, o Options) (*Regexp, error) {
	src := expr
	if o.Basic {
		var err error
		if src, err = basicToExtended(expr); err != nil {
			return nil, err
		}
	}
	p := &parser{src: src, opts: o}
	n, err := p.parse()
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Expr = expr
		}
		return nil, err
	}
	prog, err := compile(expr, n, false)
	if err != nil {
		return nil, err
	}
	cprog, err := compile(expr, n, true)
	if err != nil {
		return nil, err
	}
	return &Regexp{expr: expr, prog: prog, nsub: p.nsub, cprog: cprog}, nil
}

// NumSubexp is the number of parenthesised subexpressions (re_nsub).
func (re *Regexp) NumSubexp() int { return re.nsub }

// basicToExtended rewrites a basic expression into the extended syntax
// the parser reads.
func basicToExtended(s string) (string, error) {
	var out strings.Builder
	start := true // where '*' is ordinary and '^' an anchor
	for i := 0; i < len(s); {
		c := s[i]
		wasStart := start
		start = false
		switch c {
		case '\\':
			if i+1 == len(s) {
				return "", &Error{Expr: s, Pos: i, Msg: "trailing backslash"}
			}
			d := s[i+1]
			i += 2
			switch d {
			case '(', '|':
				out.WriteByte(d)
				start = true
			case ')':
				out.WriteByte(d)
			case '{':
				end := strings.Index(s[i:], `\}`)
				if end < 0 {
					return "", &Error{Expr: s, Pos: i - 2, Msg: "unmatched {"}
				}
				if wasStart {
					return "", &Error{Expr: s, Pos: i - 2, Msg: "{ with nothing to repeat"}
				}
				out.WriteByte('{')
				out.WriteString(s[i : i+end])
				out.WriteByte('}')
				i += end + 2
			case '+', '?':
				if wasStart {
					out.WriteByte('\\')
				}
				out.WriteByte(d)
			default:
				out.WriteByte('\\')
				out.WriteByte(d)
			}
			continue
		case '[':
			end := bracketEnd(s, i)
			out.WriteString(s[i:end])
			i = end
			continue
		case '*':
			if wasStart {
				out.WriteByte('\\')
			}
		case '^':
			if wasStart {
				start = true
			} else {
				out.WriteByte('\\')
			}
		case '$':
			rest := s[i+1:]
			if rest != "" && !strings.HasPrefix(rest, `\)`) && !strings.HasPrefix(rest, `\|`) {
				out.WriteByte('\\')
			}
		case '+', '?', '|', '(', ')', '{', '}':
			out.WriteByte('\\')
		}
		out.WriteByte(c)
		i++
	}
	return out.String(), nil
}

// bracketEnd returns the index just past the bracket expression opening
// at s[i], or len(s) when it is not closed (the parser then reports it).
func bracketEnd(s string, i int) int {
	j := i + 1
	if j < len(s) && s[j] == '^' {
		j++
	}
	if j < len(s) && s[j] == ']' {
		j++
	}
	for j < len(s) {
		switch {
		case s[j] == ']':
			return j + 1
		case s[j] == '[' && j+1 < len(s) && (s[j+1] == ':' || s[j+1] == '.' || s[j+1] == '='):
			d := s[j+1]
			k := strings.Index(s[j+2:], string(d)+"]")
			if k < 0 {
				return len(s)
			}
			j += 2 + k + 2
		default:
			j++
		}
	}
	return len(s)
}

// GlibcMessage is what glibc's regerror says for the same error.
func (e *Error) GlibcMessage() string {
	m := e.Msg
	switch {
	case strings.HasPrefix(m, "unmatched ("), strings.HasPrefix(m, "unmatched )"):
		return `Unmatched ( or \(`
	case strings.HasPrefix(m, "unmatched ["):
		return "Unmatched [, [^, [:, [., or [="
	case strings.HasPrefix(m, "unmatched {"):
		return `Unmatched \{`
	case strings.HasPrefix(m, "invalid content of {}"), strings.HasPrefix(m, "interval bound"):
		return `Invalid content of \{\}`
	case strings.Contains(m, "nothing to repeat"):
		return "Invalid preceding regular expression"
	case strings.HasPrefix(m, "trailing backslash"):
		return "Trailing backslash"
	case strings.HasPrefix(m, "invalid character class"):
		return "Invalid character class name"
	case strings.HasPrefix(m, "invalid range end"):
		return "Invalid range end"
	case strings.HasPrefix(m, "invalid collation"):
		return "Invalid collation character"
	case strings.HasPrefix(m, "back-references"):
		return "Invalid back reference"
	case strings.Contains(m, "too big"):
		return "Regular expression too big"
	}
	return m
}

// FindSubmatchIndex finds the leftmost match in b, the longest of those
// starting there, and returns 2*(NumSubexp()+1) offsets: the match's start
// and end, then each subexpression's, -1 for one that did not take part.
// Among equally long matches, subexpressions are those of the first by
// priority (earlier alternative, more repetitions): glibc's choice may
// differ on ambiguous expressions. It returns nil when nothing matches,
// or when re was not made by CompileOptions.
func (re *Regexp) FindSubmatchIndex(b []byte) []int {
	prog := re.cprog
	if prog == nil {
		return nil
	}
	ncap := 2 * (re.nsub + 1)
	cur, next := newCapList(len(prog)), newCapList(len(prog))
	var best []int
	for i := 0; ; i++ {
		if best == nil {
			caps := make([]int, ncap)
			for k := range caps {
				caps[k] = -1
			}
			caps[0] = i
			cur.add(prog, 0, caps, i, b)
		}
		if len(cur.threads) == 0 {
			break
		}
		next.reset()
		for _, th := range cur.threads {
			if best != nil && th.caps[0] > best[0] {
				continue
			}
			in := &prog[th.pc]
			switch in.op {
			case opMatch:
				if best == nil || th.caps[0] < best[0] || i > best[1] {
					best = append([]int(nil), th.caps...)
					best[1] = i
				}
			case opSet:
				if i < len(b) && in.set.has(b[i]) {
					next.add(prog, th.pc+1, th.caps, i+1, b)
				}
			}
		}
		if i == len(b) {
			break
		}
		cur, next = next, cur
	}
	return best
}

type capThread struct {
	pc   int
	caps []int
}

// capList is the ordered set of threads at one position, first by
// priority.
type capList struct {
	threads []capThread
	seen    []bool
}

func newCapList(n int) *capList { return &capList{seen: make([]bool, n)} }

func (l *capList) reset() {
	l.threads = l.threads[:0]
	for i := range l.seen {
		l.seen[i] = false
	}
}

// add follows pc through the instructions that consume nothing, in
// priority order, and appends the consuming and matching ones reached.
func (l *capList) add(prog []inst, pc int, caps []int, i int, b []byte) {
	if l.seen[pc] {
		return
	}
	l.seen[pc] = true
	in := &prog[pc]
	switch in.op {
	case opJmp:
		l.add(prog, in.x, caps, i, b)
	case opSplit:
		l.add(prog, in.x, caps, i, b)
		l.add(prog, in.y, caps, i, b)
	case opAssert:
		if holds(in.asrt, b, i) {
			l.add(prog, pc+1, caps, i, b)
		}
	case opSave:
		c := append([]int(nil), caps...)
		c[in.x] = i
		l.add(prog, pc+1, c, i, b)
	default:
		l.threads = append(l.threads, capThread{pc, caps})
	}
}
