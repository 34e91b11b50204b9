package ere

// MatchEnd finds the leftmost-longest match in b, as regexec does with
// REG_NOTBOL|REG_NOTEOL when notEnds is set (^ never matches at the start
// of b, nor $ at its end): it returns where the match ends. s6's event
// listeners (s6-ftrigrd) match their accumulated events that way and
// report the byte before that end.
func (re *Regexp) MatchEnd(b []byte, notEnds bool) (end int, ok bool) {
	if !re.Match(b) && !notEnds {
		return 0, false
	}
	m := newMachine(len(re.prog))
	for start := 0; start <= len(b); start++ {
		if e, found := m.longestFrom(re.prog, b, start, notEnds); found {
			return e, true
		}
	}
	return 0, false
}

// longestFrom runs the program anchored at start and returns the end of
// the longest match from there.
func (m *machine) longestFrom(prog []inst, b []byte, start int, notEnds bool) (int, bool) {
	end, found := 0, false
	m.cur.dense = m.cur.dense[:0]
	if m.addAll(prog, &m.cur, 0, start, b, notEnds) {
		end, found = start, true
	}
	for i := start; i < len(b) && len(m.cur.dense) > 0; i++ {
		c := b[i]
		m.next.dense = m.next.dense[:0]
		matched := false
		for _, pc := range m.cur.dense {
			in := &prog[pc]
			if in.op == opSet && in.set.has(c) && m.addAll(prog, &m.next, pc+1, i+1, b, notEnds) {
				matched = true
			}
		}
		if matched {
			end, found = i+1, true
		}
		m.cur, m.next = m.next, m.cur
	}
	return end, found
}

// addAll is add's work: it goes on past a match, so every live thread is
// kept (MatchEnd needs them all), and with notEnds ^ and $ fail at b's
// ends.
func (m *machine) addAll(prog []inst, t *threads, pc, i int, b []byte, notEnds bool) bool {
	matched := false
	m.stack = append(m.stack[:0], pc)
	for len(m.stack) > 0 {
		pc := m.stack[len(m.stack)-1]
		m.stack = m.stack[:len(m.stack)-1]
		if t.has(pc) {
			continue
		}
		t.insert(pc)
		in := &prog[pc]
		switch in.op {
		case opMatch:
			matched = true
		case opJmp:
			m.stack = append(m.stack, in.x)
		case opSave:
			m.stack = append(m.stack, pc+1)
		case opSplit:
			m.stack = append(m.stack, in.y, in.x)
		case opAssert:
			ok := holds(in.asrt, b, i)
			if notEnds && ((in.asrt == aBOL || in.asrt == aBOT) && i == 0 || (in.asrt == aEOL || in.asrt == aEOT) && i == len(b)) {
				ok = false
			}
			if ok {
				m.stack = append(m.stack, pc+1)
			}
		}
	}
	return matched
}
