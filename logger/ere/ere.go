// Package ere matches POSIX extended regular expressions the way s6-log's
// selection directives use them: glibc's regcomp with REG_EXTENDED and
// REG_NEWLINE in the C locale, searched anywhere in a line, only asking
// whether there is a match.
//
// It replaces Go's regexp package in the binary: regexp and the unicode
// tables it needs are initialised in every process of a multicall binary,
// about a third of a millisecond of every start of every applet, for a
// feature only s6-log scripts use. Matching here is over bytes (the C
// locale) with a Pike VM: linear in the line for any pattern.
//
// Syntax: literals; `.`; bracket expressions with ranges, the twelve
// [:classes:], [=c=] and [.c.] for single characters, `]` first and `-`
// first or last as literals; `^` and `$` anywhere; groups; `|` (empty
// alternatives allowed); `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` (at most
// 32767, as glibc's RE_DUP_MAX); the GNU escapes `\w \W \s \S \b \B \< \>
// \` \'`; any other escaped character is itself. Back-references are
// refused (glibc accepts them in ERE as an extension).
package ere

import (
	"errors"
	"fmt"
	"sync"
)

// Regexp is a compiled expression. It is safe for concurrent use.
type Regexp struct {
	expr     string
	prog     []inst
	nsub     int       // parenthesised subexpressions
	cprog    []inst    // prog with captures, for FindSubmatchIndex
	machines sync.Pool // *machine, reused across matches
}

// String returns the source of the expression.
func (re *Regexp) String() string { return re.expr }

// MustCompile is Compile that panics; for tests and constant patterns.
func MustCompile(expr string) *Regexp {
	re, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return re
}

// Error is a syntax error in an expression.
type Error struct {
	Expr string
	Pos  int // byte offset where the problem was found
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid regular expression %q at offset %d: %s", e.Expr, e.Pos, e.Msg)
}

// dupMax is glibc's RE_DUP_MAX, the largest bound of an interval.
const dupMax = 0x7fff

// maxInsts bounds the compiled program (intervals copy their operand).
const maxInsts = 100000

var errTooBig = errors.New("regular expression too big")

// Compile parses expr.
func Compile(expr string) (*Regexp, error) {
	p := &parser{src: expr}
	n, err := p.parse()
	if err != nil {
		return nil, err
	}
	prog, err := compile(expr, n, false)
	if err != nil {
		return nil, err
	}
	return &Regexp{expr: expr, prog: prog, nsub: p.nsub}, nil
}

// parse parses the whole of p.src.
func (p *parser) parse() (*node, error) {
	n, err := p.parseAlt(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) { // only an unmatched ')' stops parseAlt early
		return nil, p.errorf("unmatched )")
	}
	return n, nil
}

// compile turns a parsed expression into a program.
func compile(expr string, n *node, captures bool) ([]inst, error) {
	c := &compiler{captures: captures}
	if err := c.emit(n); err != nil {
		return nil, &Error{Expr: expr, Pos: len(expr), Msg: err.Error()}
	}
	c.add(inst{op: opMatch})
	return c.prog, nil
}
