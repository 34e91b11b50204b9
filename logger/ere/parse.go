package ere

import "fmt"

// byteSet is a set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) addRange(lo, hi int) {
	for c := lo; c <= hi; c++ {
		s.add(byte(c))
	}
}
func (s *byteSet) addFunc(f func(byte) bool) {
	for c := 0; c < 256; c++ {
		if f(byte(c)) {
			s.add(byte(c))
		}
	}
}

// complement makes s every byte it did not hold, newline excepted unless
// keepNewline: with REG_NEWLINE, '.' and non-matching lists never match a
// newline.
func (s *byteSet) complement(keepNewline bool) {
	for i := range s {
		s[i] = ^s[i]
	}
	if !keepNewline {
		s[0] &^= 1 << '\n'
	}
}

// foldCase adds the other case of every ASCII letter in s (REG_ICASE).
func (s *byteSet) foldCase() {
	for c := 'A'; c <= 'Z'; c++ {
		if s.has(byte(c)) || s.has(byte(c|0x20)) {
			s.add(byte(c))
			s.add(byte(c | 0x20))
		}
	}
}

type nodeKind uint8

const (
	nSet    nodeKind = iota // one byte of set
	nEmpty                  // matches the empty string
	nAssert                 // zero-width assertion asrt
	nCat                    // subs in sequence
	nAlt                    // one of subs
	nRepeat                 // subs[0] min..max times (max < 0: no limit)
	nGroup                  // subs[0], parenthesised subexpression number min
)

type node struct {
	kind     nodeKind
	set      byteSet
	asrt     assertion
	subs     []*node
	min, max int
}

type assertion uint8

const (
	aBOL       assertion = iota // ^: start of line (REG_NEWLINE: or after \n)
	aEOL                        // $: end of line (or before \n)
	aBOT                        // \`: start of the text
	aEOT                        // \': end of the text
	aWordB                      // \b
	aNotWordB                   // \B
	aWordStart                  // \<
	aWordEnd                    // \>
)

type parser struct {
	src  string
	pos  int
	opts Options
	nsub int // subexpressions opened so far
}

// complement is byteSet.complement as the options ask.
func (p *parser) complement(s *byteSet) { s.complement(p.opts.NoNewline) }

// lit is the node of a literal byte (both cases with ICase).
func (p *parser) lit(c byte) *node {
	n := literal(c)
	if p.opts.ICase {
		n.set.foldCase()
	}
	return n
}

func (p *parser) errorf(format string, a ...any) error {
	return &Error{Expr: p.src, Pos: p.pos, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) more() bool { return p.pos < len(p.src) }
func (p *parser) peek() byte { return p.src[p.pos] }

// parseAlt parses branches separated by '|' up to the end or a ')' (left
// for the caller).
func (p *parser) parseAlt(depth int) (*node, error) {
	var branches []*node
	for {
		b, err := p.parseBranch(depth)
		if err != nil {
			return nil, err
		}
		branches = append(branches, b)
		if p.more() && p.peek() == '|' {
			p.pos++
			continue
		}
		break
	}
	if len(branches) == 1 {
		return branches[0], nil
	}
	return &node{kind: nAlt, subs: branches}, nil
}

func (p *parser) parseBranch(depth int) (*node, error) {
	var items []*node
	for p.more() {
		c := p.peek()
		if c == '|' || (c == ')' && depth > 0) {
			break
		}
		if c == ')' {
			return nil, p.errorf("unmatched )")
		}
		atom, err := p.parseAtom(depth)
		if err != nil {
			return nil, err
		}
		atom, err = p.parseRepeats(atom)
		if err != nil {
			return nil, err
		}
		items = append(items, atom)
	}
	switch len(items) {
	case 0:
		return &node{kind: nEmpty}, nil
	case 1:
		return items[0], nil
	}
	return &node{kind: nCat, subs: items}, nil
}

func (p *parser) parseRepeats(atom *node) (*node, error) {
	for p.more() {
		min, max := 0, 0
		switch p.peek() {
		case '*':
			min, max = 0, -1
			p.pos++
		case '+':
			min, max = 1, -1
			p.pos++
		case '?':
			min, max = 0, 1
			p.pos++
		case '{':
			var err error
			min, max, err = p.parseInterval()
			if err != nil {
				return nil, err
			}
		default:
			return atom, nil
		}
		atom = &node{kind: nRepeat, subs: []*node{atom}, min: min, max: max}
	}
	return atom, nil
}

// parseInterval parses {m}, {m,} or {m,n} at p.pos.
func (p *parser) parseInterval() (int, int, error) {
	start := p.pos
	p.pos++ // '{'
	num := func() (int, bool) {
		n, digits := 0, 0
		for p.more() && p.peek() >= '0' && p.peek() <= '9' {
			if n <= dupMax {
				n = n*10 + int(p.peek()-'0')
			}
			p.pos++
			digits++
		}
		return n, digits > 0
	}
	min, ok := num()
	if !ok {
		p.pos = start
		return 0, 0, p.errorf("invalid content of {}")
	}
	max := min
	if p.more() && p.peek() == ',' {
		p.pos++
		max = -1
		if n, ok := num(); ok {
			max = n
		}
	}
	if !p.more() || p.peek() != '}' {
		p.pos = start
		return 0, 0, p.errorf("unmatched {")
	}
	p.pos++
	if min > dupMax || max > dupMax {
		p.pos = start
		return 0, 0, p.errorf("interval bound above %d", dupMax)
	}
	if max >= 0 && max < min {
		p.pos = start
		return 0, 0, p.errorf("invalid content of {}: %d > %d", min, max)
	}
	return min, max, nil
}

func (p *parser) parseAtom(depth int) (*node, error) {
	c := p.peek()
	switch c {
	case '(':
		open := p.pos
		p.pos++
		p.nsub++
		idx := p.nsub
		n, err := p.parseAlt(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.more() || p.peek() != ')' {
			p.pos = open
			return nil, p.errorf("unmatched (")
		}
		p.pos++
		return &node{kind: nGroup, subs: []*node{n}, min: idx}, nil
	case '[':
		return p.parseBracket()
	case '.':
		p.pos++
		n := &node{kind: nSet}
		p.complement(&n.set)
		return n, nil
	case '^':
		p.pos++
		if p.opts.NoNewline {
			return &node{kind: nAssert, asrt: aBOT}, nil
		}
		return &node{kind: nAssert, asrt: aBOL}, nil
	case '$':
		p.pos++
		if p.opts.NoNewline {
			return &node{kind: nAssert, asrt: aEOT}, nil
		}
		return &node{kind: nAssert, asrt: aEOL}, nil
	case '*', '+', '?', '{':
		return nil, p.errorf("%c with nothing to repeat", c)
	case '\\':
		return p.parseEscape()
	}
	p.pos++
	return p.lit(c), nil
}

func literal(c byte) *node {
	n := &node{kind: nSet}
	n.set.add(c)
	return n
}

func (p *parser) parseEscape() (*node, error) {
	p.pos++ // '\'
	if !p.more() {
		return nil, p.errorf("trailing backslash")
	}
	c := p.peek()
	p.pos++
	set := func(f func(byte) bool, negate bool) *node {
		n := &node{kind: nSet}
		n.set.addFunc(f)
		if negate {
			p.complement(&n.set)
		}
		return n
	}
	switch c {
	case 'w':
		return set(isWord, false), nil
	case 'W':
		return set(isWord, true), nil
	case 's':
		return set(isSpace, false), nil
	case 'S':
		return set(isSpace, true), nil
	case 'b':
		return &node{kind: nAssert, asrt: aWordB}, nil
	case 'B':
		return &node{kind: nAssert, asrt: aNotWordB}, nil
	case '<':
		return &node{kind: nAssert, asrt: aWordStart}, nil
	case '>':
		return &node{kind: nAssert, asrt: aWordEnd}, nil
	case '`':
		return &node{kind: nAssert, asrt: aBOT}, nil
	case '\'':
		return &node{kind: nAssert, asrt: aEOT}, nil
	}
	if c >= '1' && c <= '9' {
		p.pos -= 2
		return nil, p.errorf("back-references are not supported")
	}
	return p.lit(c), nil
}

// class returns the test of a [:name:] class of the C locale (a switch,
// not a map: nothing to build when the program starts).
func class(name string) (func(byte) bool, bool) {
	switch name {
	case "alnum":
		return func(c byte) bool { return isAlpha(c) || isDigit(c) }, true
	case "alpha":
		return isAlpha, true
	case "blank":
		return func(c byte) bool { return c == ' ' || c == '\t' }, true
	case "cntrl":
		return func(c byte) bool { return c < 32 || c == 127 }, true
	case "digit":
		return isDigit, true
	case "graph":
		return func(c byte) bool { return c > 32 && c < 127 }, true
	case "lower":
		return func(c byte) bool { return c >= 'a' && c <= 'z' }, true
	case "print":
		return func(c byte) bool { return c >= 32 && c < 127 }, true
	case "punct":
		return func(c byte) bool { return c > 32 && c < 127 && !isAlpha(c) && !isDigit(c) }, true
	case "space":
		return isSpace, true
	case "upper":
		return func(c byte) bool { return c >= 'A' && c <= 'Z' }, true
	case "xdigit":
		return func(c byte) bool { return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f' }, true
	}
	return nil, false
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
func isWord(c byte) bool  { return isAlpha(c) || isDigit(c) || c == '_' }

// parseBracket parses a bracket expression at p.pos ('[').
func (p *parser) parseBracket() (*node, error) {
	open := p.pos
	p.pos++
	n := &node{kind: nSet}
	negate := false
	if p.more() && p.peek() == '^' {
		negate = true
		p.pos++
	}
	first := true
	for {
		if !p.more() {
			p.pos = open
			return nil, p.errorf("unmatched [")
		}
		c := p.peek()
		if c == ']' && !first {
			p.pos++
			break
		}
		first = false
		if c == '[' && p.pos+1 < len(p.src) && p.src[p.pos+1] == ':' {
			name, err := p.bracketWord(':')
			if err != nil {
				return nil, err
			}
			f, ok := class(name)
			if !ok {
				return nil, p.errorf("invalid character class [:%s:]", name)
			}
			n.set.addFunc(f)
			continue
		}
		lo, err := p.bracketChar()
		if err != nil {
			return nil, err
		}
		// a range lo-hi, unless '-' is last (then it is a literal)
		if p.pos+1 < len(p.src) && p.peek() == '-' && p.src[p.pos+1] != ']' {
			dash := p.pos
			p.pos++
			if p.peek() == '[' && p.pos+1 < len(p.src) && p.src[p.pos+1] == ':' {
				p.pos = dash
				return nil, p.errorf("invalid range end")
			}
			hi, err := p.bracketChar()
			if err != nil {
				return nil, err
			}
			if hi < lo {
				p.pos = dash
				return nil, p.errorf("invalid range end: %q-%q", lo, hi)
			}
			n.set.addRange(int(lo), int(hi))
			continue
		}
		n.set.add(lo)
	}
	if p.opts.ICase {
		n.set.foldCase()
	}
	if negate {
		p.complement(&n.set)
	}
	return n, nil
}

// bracketChar reads one character of a bracket expression: a plain byte,
// [.c.] or [=c=].
func (p *parser) bracketChar() (byte, error) {
	if p.peek() == '[' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '.' || p.src[p.pos+1] == '=') {
		delim := p.src[p.pos+1]
		start := p.pos
		word, err := p.bracketWord(delim)
		if err != nil {
			return 0, err
		}
		if len(word) != 1 {
			p.pos = start
			return 0, p.errorf("invalid collation character [%c%s%c]", delim, word, delim)
		}
		return word[0], nil
	}
	c := p.peek()
	p.pos++
	return c, nil
}

// bracketWord reads [dWORDd] at p.pos and returns WORD.
func (p *parser) bracketWord(delim byte) (string, error) {
	start := p.pos
	p.pos += 2
	for i := p.pos; i+1 < len(p.src); i++ {
		if p.src[i] == delim && p.src[i+1] == ']' {
			w := p.src[p.pos:i]
			p.pos = i + 2
			return w, nil
		}
	}
	p.pos = start
	return "", p.errorf("unmatched [%c", delim)
}
