package execline

// Subst is one variable known to the substitution engine and the words it
// stands for: a reference to a variable with no words makes the whole word
// that contains it disappear; several words multiply it.
type Subst struct {
	Name   string
	Values []string
}

// ref is a variable reference found in a word: which Subst, and where its
// value goes in the word's literal text.
type ref struct {
	sub int
	pos int
}

// Scanner states for references inside a word.
const (
	inWord  = iota
	inDoll  // after $
	inDbr   // after ${
	inVar   // in $NAME
	inVarBr // in ${NAME
)

// Substitute replaces references to subs in every word of argv and returns
// the new argv. A reference is $NAME, where the name runs up to the next
// \ $ { } or the end of the word, or ${NAME}. Only names in subs are
// references; anything else is left alone. A reference preceded by an odd
// number of backslashes is not substituted and loses one backslash, an even
// number is halved; backslashes elsewhere are kept. The value is inserted
// as is (it is not scanned again).
func Substitute(argv []string, subs []Subst) []string {
	if len(subs) == 0 {
		return append([]string(nil), argv...)
	}
	out := make([]string, 0, len(argv))
	for _, w := range argv {
		lit, refs := scanWord(w, subs)
		out = expand(out, lit, refs, subs, 0, 0, nil)
	}
	return out
}

func lookup(subs []Subst, name []byte) int {
	for i := range subs {
		if subs[i].Name == string(name) {
			return i
		}
	}
	return -1
}

// scanWord returns the literal text of w with substituted references taken
// out, and where their values go.
func scanWord(w string, subs []Subst) ([]byte, []ref) {
	buf := make([]byte, 0, len(w))
	var refs []ref
	state := inWord
	esc := 0       // backslashes right before the current $
	dollarAt := 0  // position of the current $ in buf
	nameStart := 0 // position of the current name in buf
	for pos := 0; ; pos++ {
		var c byte
		end := pos >= len(w)
		if !end {
			c = w[pos]
		}
		// test: does the name just ended refer to a known variable?
		test := false
		next := state
		keep := false // keep esc
		incr := false // count this backslash
		switch {
		case end:
			test = state == inVar
		case c == '\\':
			switch state {
			case inWord:
				keep = true
			case inVar:
				test = true
			}
			next, incr = inWord, true
		case c == '$':
			if state == inWord {
				keep = true
			}
			test = state == inVar
			next = inDoll
		case c == '{':
			if state == inDoll {
				next, keep = inDbr, true
			} else {
				test = state == inVar
				next = inWord
			}
		case c == '}':
			test = state == inVar || state == inVarBr
			next = inWord
		default:
			switch state {
			case inDoll:
				next, keep = inVar, true
				nameStart = len(buf)
			case inDbr:
				next, keep = inVarBr, true
				nameStart = len(buf)
			case inVar, inVarBr:
				keep = true
			}
		}
		push := !end
		if test {
			if i := lookup(subs, buf[nameStart:]); i >= 0 {
				braced := state == inVarBr
				half := esc / 2
				if esc%2 == 1 {
					// escaped: drop half+1 backslashes, keep the text
					cut := dollarAt - half - 1
					buf = append(buf[:cut], buf[dollarAt:]...)
				} else {
					buf = buf[:dollarAt-half]
					refs = append(refs, ref{sub: i, pos: len(buf)})
					if braced {
						push = false
					}
				}
			}
		}
		if end {
			return buf, refs
		}
		if next == inDoll {
			dollarAt = len(buf)
		}
		if push {
			buf = append(buf, c)
		}
		if !keep {
			esc = 0
		}
		if incr {
			esc++
		}
		state = next
	}
}

// expand appends to out every word made from lit with the values of refs
// from the n-th on inserted, first reference varying slowest.
func expand(out []string, lit []byte, refs []ref, subs []Subst, n, from int, prefix []byte) []string {
	if n == len(refs) {
		w := append(append([]byte(nil), prefix...), lit[from:]...)
		return append(out, string(w))
	}
	r := refs[n]
	head := append(append([]byte(nil), prefix...), lit[from:r.pos]...)
	for _, v := range subs[r.sub].Values {
		out = expand(out, lit, refs, subs, n+1, r.pos, append(head[:len(head):len(head)], v...))
	}
	return out
}
