package ere

type opcode uint8

const (
	opSet    opcode = iota // consume one byte in set
	opSplit                // continue at x and at y (x first)
	opJmp                  // continue at x
	opAssert               // zero-width test asrt
	opSave                 // record the position in capture slot x
	opMatch
)

type inst struct {
	op   opcode
	asrt assertion
	x, y int
	set  *byteSet
}

type compiler struct {
	prog     []inst
	captures bool // emit opSave around groups
}

func (c *compiler) add(i inst) int {
	c.prog = append(c.prog, i)
	return len(c.prog) - 1
}

// emit appends the program of n.
func (c *compiler) emit(n *node) error {
	if len(c.prog) > maxInsts {
		return errTooBig
	}
	switch n.kind {
	case nSet:
		set := n.set
		c.add(inst{op: opSet, set: &set})
	case nEmpty:
	case nAssert:
		c.add(inst{op: opAssert, asrt: n.asrt})
	case nGroup:
		if c.captures {
			c.add(inst{op: opSave, x: 2 * n.min})
		}
		if err := c.emit(n.subs[0]); err != nil {
			return err
		}
		if c.captures {
			c.add(inst{op: opSave, x: 2*n.min + 1})
		}
	case nCat:
		for _, s := range n.subs {
			if err := c.emit(s); err != nil {
				return err
			}
		}
	case nAlt:
		// split L1, next; L1: a; jmp end; next: split L2, next2 ...
		var jumps []int
		for i, s := range n.subs {
			if i == len(n.subs)-1 {
				if err := c.emit(s); err != nil {
					return err
				}
				break
			}
			split := c.add(inst{op: opSplit})
			c.prog[split].x = len(c.prog)
			if err := c.emit(s); err != nil {
				return err
			}
			jumps = append(jumps, c.add(inst{op: opJmp}))
			c.prog[split].y = len(c.prog)
		}
		for _, j := range jumps {
			c.prog[j].x = len(c.prog)
		}
	case nRepeat:
		sub := n.subs[0]
		for i := 0; i < n.min; i++ {
			if err := c.emit(sub); err != nil {
				return err
			}
		}
		if n.max < 0 {
			// L: split body, end; body; jmp L
			split := c.add(inst{op: opSplit})
			c.prog[split].x = len(c.prog)
			if err := c.emit(sub); err != nil {
				return err
			}
			c.add(inst{op: opJmp, x: split})
			c.prog[split].y = len(c.prog)
			return nil
		}
		// (sub(sub(...)?)?)? for the optional max-min copies
		var splits []int
		for i := n.min; i < n.max; i++ {
			split := c.add(inst{op: opSplit})
			c.prog[split].x = len(c.prog)
			splits = append(splits, split)
			if err := c.emit(sub); err != nil {
				return err
			}
		}
		for _, s := range splits {
			c.prog[s].y = len(c.prog)
		}
	}
	if len(c.prog) > maxInsts {
		return errTooBig
	}
	return nil
}

// Match reports whether the expression matches anywhere in b.
func (re *Regexp) Match(b []byte) bool {
	m, _ := re.machines.Get().(*machine)
	if m == nil {
		m = newMachine(len(re.prog))
	}
	ok := m.run(re.prog, b)
	re.machines.Put(m)
	return ok
}

// MatchString is Match on a string.
func (re *Regexp) MatchString(s string) bool { return re.Match([]byte(s)) }

// machine is a Pike VM: the set of program counters alive at a position.
type machine struct {
	cur, next threads
	stack     []int
}

type threads struct {
	dense  []int
	sparse []int // index into dense, valid when dense[sparse[pc]] == pc
}

func newThreads(n int) threads { return threads{dense: make([]int, 0, n), sparse: make([]int, n)} }

func (t *threads) has(pc int) bool {
	i := t.sparse[pc]
	return i < len(t.dense) && t.dense[i] == pc
}

func (t *threads) insert(pc int) {
	t.sparse[pc] = len(t.dense)
	t.dense = append(t.dense, pc)
}

func newMachine(n int) *machine {
	return &machine{cur: newThreads(n), next: newThreads(n)}
}

// add follows pc through splits, jumps and assertions at position i of b
// and puts every byte-consuming or matching instruction reached in t. It
// reports whether opMatch was reached.
func (m *machine) add(prog []inst, t *threads, pc, i int, b []byte) bool {
	return m.addAll(prog, t, pc, i, b, false)
}

func holds(a assertion, b []byte, i int) bool {
	before := i > 0 && isWord(b[i-1])
	after := i < len(b) && isWord(b[i])
	switch a {
	case aBOL:
		return i == 0 || b[i-1] == '\n'
	case aEOL:
		return i == len(b) || b[i] == '\n'
	case aBOT:
		return i == 0
	case aEOT:
		return i == len(b)
	case aWordB:
		return before != after
	case aNotWordB:
		return before == after
	case aWordStart:
		return !before && after
	case aWordEnd:
		return before && !after
	}
	return false
}

func (m *machine) run(prog []inst, b []byte) bool {
	m.cur.dense = m.cur.dense[:0]
	for i := 0; ; i++ {
		// a new attempt starts at every position (search, not anchored)
		if m.add(prog, &m.cur, 0, i, b) {
			return true
		}
		if i == len(b) {
			return false
		}
		c := b[i]
		m.next.dense = m.next.dense[:0]
		for _, pc := range m.cur.dense {
			in := &prog[pc]
			if in.op == opSet && in.set.has(c) {
				if m.add(prog, &m.next, pc+1, i+1, b) {
					return true
				}
			}
		}
		m.cur, m.next = m.next, m.cur
	}
}
