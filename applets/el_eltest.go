package applets

// eltest: execline's test(1). Every word equal to an operator is that
// operator (a leading backslash makes any other word a plain string and is
// dropped); the expression is read by a shift-reduce parser whose errors
// name the argument where it stopped, as execline's do.

import (
	"os"
	"syscall"
	"unsafe"

	"s6box/logger/ere"
)

// Word classes; the classes from etPrim on are reduced expressions.
const (
	etAtom   = iota // a string
	etEnd           // bottom of the stack, and the end of the words
	etUnary         // -n -f -d …
	etBinary        // = -eq -nt …
	etOpen          // (
	etClose         // ) (and the one added after the last word)
	etNot           // !
	etAnd           // -a
	etOr            // -o
	etPrim          // an operand: atom, test, parenthesised or negated
	etConj          // operands joined by -a
	etDisj          // conjunctions joined by -o
	etExpr          // a complete expression
)

type etNode struct {
	op    string // the operator word; "" for a string
	class int
	a, b  int // operand nodes
	data  string
}

func etClassOf(w string) int {
	switch w {
	case "-n", "-z", "-f", "-h", "-L", "-e", "-k", "-b", "-c", "-d", "-g", "-p", "-r", "-s",
		"-t", "-u", "-w", "-x", "-O", "-U", "-G", "-S", "-N", "-v":
		return etUnary
	case "=", "!=", "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-nt", "-ot", "-ef", "<", "<=", ">", ">=", "=~":
		return etBinary
	case "-a":
		return etAnd
	case "-o":
		return etOr
	case "!":
		return etNot
	case "(":
		return etOpen
	case ")":
		return etClose
	}
	return etAtom
}

// etError is a parse or evaluation failure: message and exit code.
type etError struct {
	code int
	msg  string
}

func (e *etError) Error() string { return e.msg }

func etParseError(pos int) *etError {
	return &etError{ExitUsage, "parse error at argument " + elItoa(pos)}
}

// etParse builds the tree of words and returns its root.
func etParse(words []string) ([]etNode, int, *etError) {
	n := len(words)
	t := make([]etNode, n+2)
	for i, w := range words {
		t[i] = etNode{class: etClassOf(w), data: w, a: i}
		if t[i].class != etAtom {
			t[i].op = w
		} else if len(w) > 0 && w[0] == '\\' {
			t[i].data = w[1:]
		}
	}
	t[n] = etNode{class: etClose}
	t[n+1] = etNode{class: etEnd}
	stack := []int{n + 1}
	top := func() *etNode { return &t[stack[len(stack)-1]] }
	below := func(k int) *etNode { return &t[stack[len(stack)-1-k]] }
	// foldNots makes the operand on top a primary and applies the ! below it.
	foldNots := func() {
		top().class = etPrim
		for len(stack) > 1 && below(1).class == etNot {
			not := below(1)
			not.class, not.a = etPrim, stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
	}
	// join combines the two operands around an operator of class op.
	join := func(op, result int) {
		if len(stack) > 2 && below(1).class == op {
			o := stack[len(stack)-2]
			t[o].a, t[o].b = stack[len(stack)-3], stack[len(stack)-1]
			stack = append(stack[:len(stack)-3], o)
		}
		top().class = result
	}
	for pos := 0; ; {
		look, tc := t[pos].class, top().class
		switch look {
		case etAtom, etUnary, etOpen, etNot:
			ok := tc == etEnd || tc == etOpen || tc == etNot || tc == etAnd || tc == etOr ||
				(look == etAtom && (tc == etUnary || tc == etBinary))
			if !ok {
				return nil, 0, etParseError(pos)
			}
			stack = append(stack, pos)
			pos++
		case etBinary:
			if tc != etAtom {
				return nil, 0, etParseError(pos)
			}
			stack = append(stack, pos)
			pos++
		case etEnd:
			if tc != etClose {
				return nil, 0, etParseError(pos)
			}
			if len(stack) != 3 {
				return nil, 0, &etError{ExitUsage, "parse error: too many left parentheses"}
			}
			return t, stack[1], nil
		default: // etClose, etAnd, etOr end an operand
			switch {
			case tc == etAtom:
				k := len(stack) - 1
				switch below(1).class {
				case etUnary:
					below(1).a = stack[k]
					stack = stack[:k]
				case etBinary:
					op := stack[k-1]
					t[op].a, t[op].b = stack[k-2], stack[k]
					stack = append(stack[:k-2], op)
				}
				foldNots()
			case tc == etClose:
				if below(2).class != etOpen {
					return nil, 0, &etError{ExitUsage, "parse error: bad right parenthesis at argument " + elItoa(pos)}
				}
				k := len(stack) - 1
				stack = append(stack[:k-2], stack[k-1])
				foldNots()
			case tc == etPrim:
				join(etAnd, etConj)
			case tc == etConj && look == etAnd, tc == etDisj && look == etOr, tc == etExpr && look == etClose:
				stack = append(stack, pos)
				pos++
			case tc == etConj:
				join(etOr, etDisj)
			case tc == etDisj && look == etClose:
				top().class = etExpr
			default:
				return nil, 0, etParseError(pos)
			}
		}
	}
}

// etInt is skalibs' int_scan: an optional sign and at least one digit at
// the start of s, digits past what an int holds left unread.
func etInt(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	limit := int64(1<<31 - 1)
	if neg {
		limit++
	}
	var n int64
	digits := 0
	for ; digits < len(s) && s[digits] >= '0' && s[digits] <= '9'; digits++ {
		d := int64(s[digits] - '0')
		if n > (limit-d)/10 {
			break
		}
		n = n*10 + d
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func etIsatty(fd int) bool {
	var t syscall.Termios
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return e == 0
}

// etEval evaluates node i.
func etEval(t []etNode, i int) (bool, *etError) {
	nd := &t[i]
	if nd.op == "" {
		return nd.data != "", nil
	}
	arg := t[nd.a].data
	stat := func(f func(*syscall.Stat_t) bool) bool {
		var st syscall.Stat_t
		if syscall.Stat(arg, &st) != nil {
			return false
		}
		return f(&st)
	}
	two := func(f func(a, b *syscall.Stat_t) bool, noFirst, noSecond bool) bool {
		var s1, s2 syscall.Stat_t
		if syscall.Stat(arg, &s1) != nil {
			return noFirst
		}
		if syscall.Stat(t[nd.b].data, &s2) != nil {
			return noSecond
		}
		return f(&s1, &s2)
	}
	mode := func(m uint32) bool { return stat(func(st *syscall.Stat_t) bool { return st.Mode&syscall.S_IFMT == m }) }
	bit := func(m uint32) bool { return stat(func(st *syscall.Stat_t) bool { return st.Mode&m != 0 }) }
	switch nd.op {
	case "!":
		r, err := etEval(t, nd.a)
		return !r, err
	case "-a", "-o":
		r, err := etEval(t, nd.a)
		if err != nil || r == (nd.op == "-o") {
			return r, err
		}
		return etEval(t, nd.b)
	case "-e":
		return syscall.Access(arg, 0) == nil, nil
	case "-r":
		return syscall.Access(arg, 4) == nil, nil
	case "-w":
		return syscall.Access(arg, 2) == nil, nil
	case "-x":
		return syscall.Access(arg, 1) == nil, nil
	case "-b":
		return mode(syscall.S_IFBLK), nil
	case "-c":
		return mode(syscall.S_IFCHR), nil
	case "-d":
		return mode(syscall.S_IFDIR), nil
	case "-f":
		return mode(syscall.S_IFREG), nil
	case "-p":
		return mode(syscall.S_IFIFO), nil
	case "-S":
		return mode(syscall.S_IFSOCK), nil
	case "-h", "-L":
		var st syscall.Stat_t
		return syscall.Lstat(arg, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFLNK, nil
	case "-g":
		return bit(syscall.S_ISGID), nil
	case "-u":
		return bit(syscall.S_ISUID), nil
	case "-k":
		return bit(syscall.S_ISVTX), nil
	case "-s":
		return stat(func(st *syscall.Stat_t) bool { return st.Size > 0 }), nil
	case "-N":
		return stat(func(st *syscall.Stat_t) bool { return st.Mtim.Sec > st.Atim.Sec }), nil
	case "-O", "-U":
		return stat(func(st *syscall.Stat_t) bool { return int(st.Uid) == os.Geteuid() }), nil
	case "-G":
		return stat(func(st *syscall.Stat_t) bool { return int(st.Gid) == os.Getegid() }), nil
	case "-nt":
		return two(func(a, b *syscall.Stat_t) bool { return a.Mtim.Sec > b.Mtim.Sec }, false, true), nil
	case "-ot":
		return two(func(a, b *syscall.Stat_t) bool { return a.Mtim.Sec < b.Mtim.Sec }, true, false), nil
	case "-ef":
		return two(func(a, b *syscall.Stat_t) bool { return a.Dev == b.Dev && a.Ino == b.Ino }, false, true), nil
	case "-t":
		fd, ok := elUint(arg)
		if !ok {
			return false, &etError{ExitUsage, "-t requires an integer argument"}
		}
		return etIsatty(int(fd)), nil
	case "-n":
		return arg != "", nil
	case "-z":
		return arg == "", nil
	case "-v":
		_, ok := os.LookupEnv(arg)
		return ok, nil
	case "=":
		return arg == t[nd.b].data, nil
	case "!=":
		return arg != t[nd.b].data, nil
	case "<":
		return arg < t[nd.b].data, nil
	case "<=":
		return arg <= t[nd.b].data, nil
	case ">":
		return arg > t[nd.b].data, nil
	case ">=":
		return arg >= t[nd.b].data, nil
	case "=~":
		re, err := ere.CompileOptions(t[nd.b].data, ere.Options{NoNewline: true})
		if err != nil {
			msg := err.Error()
			if e, ok := err.(*ere.Error); ok {
				msg = e.GlibcMessage()
			}
			return false, &etError{ExitUsage, ": unable to compile " + t[nd.b].data + " into a regular expression: " + msg}
		}
		return re.MatchString(arg), nil
	}
	// the numeric comparisons
	n1, ok1 := etInt(arg)
	n2, ok2 := etInt(t[nd.b].data)
	if !ok1 || !ok2 {
		return false, &etError{ExitUsage, nd.op + " requires integer arguments"}
	}
	switch nd.op {
	case "-eq":
		return n1 == n2, nil
	case "-ne":
		return n1 != n2, nil
	case "-gt":
		return n1 > n2, nil
	case "-ge":
		return n1 >= n2, nil
	case "-lt":
		return n1 < n2, nil
	}
	return n1 <= n2, nil // -le
}

func eltestMain(c *Ctx) int {
	if len(c.Args) == 0 {
		return 1
	}
	t, root, perr := etParse(c.Args)
	if perr != nil {
		return c.Fatal(perr.code, "%s", perr.msg)
	}
	r, err := etEval(t, root)
	if err != nil {
		return c.Fatal(err.code, "%s", err.msg)
	}
	if r {
		return 0
	}
	return 1
}
