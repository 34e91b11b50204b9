package applets

// The substitution commands: define, importas, elglob, multidefine,
// elgetpositionals and multisubstitute, which runs several of them at once.

import (
	"errors"
	"os"
	"strconv"

	"s6box/applets/getopt"
	"s6box/core/errtext"
	"s6box/core/execline"
)

var (
	errDirUsage = errors.New("usage")       // exlsn -3
	errDirKey   = errors.New("bad key")     // exlsn -2
	errDirEmpty = errors.New("empty block") // exlsn -4
)

// notSetError is importas -i on a missing variable: fatal at once.
type notSetError struct{ name string }

func (e *notSetError) Error() string { return e.name + " not set" }

// elSubstState accumulates what substitution directives define.
type elSubstState struct {
	subs     []execline.Subst
	unexport []string
	c        *Ctx
}

// checkKey checks the words of a directive that defines one key:
// "key value" at least (errDirUsage), and a key that is not empty nor
// defined by an earlier directive (errDirKey).
func (s *elSubstState) checkKey(rest []string) error {
	if len(rest) < 2 {
		return errDirUsage
	}
	if rest[0] == "" || s.has(rest[0]) {
		return errDirKey
	}
	return nil
}

func (s *elSubstState) has(name string) bool {
	for _, x := range s.subs {
		if x.Name == name {
			return true
		}
	}
	return false
}

// add defines a new key; an empty or duplicate key is errDirKey.
func (s *elSubstState) add(name string, values []string) error {
	if name == "" || s.has(name) {
		return errDirKey
	}
	s.subs = append(s.subs, execline.Subst{Name: name, Values: values})
	return nil
}

// elDirective runs one directive on argv (argv[0] is its name) and returns
// how many words it used.
type elDirective func(s *elSubstState, argv []string) (int, error)

func parseTransform(t *execline.Transform, o getopt.Opt) {
	switch o.Letter {
	case 'N':
		t.Chomp = false
	case 'n':
		t.Chomp = true
	case 's':
		t.Split = true
	case 'C':
		t.Crunch = true
	case 'c':
		t.Crunch = false
	case 'd':
		t.Delim = o.Value
	}
}

func dirDefine(s *elSubstState, argv []string) (int, error) {
	opts, rest, err := getopt.Parse(argv[1:], "NnsCcd:")
	if err != nil {
		return 0, errDirUsage
	}
	t := execline.NewTransform()
	for _, o := range opts {
		parseTransform(&t, o)
	}
	if err := s.checkKey(rest); err != nil {
		return 0, err
	}
	vals, err := t.Apply(rest[1])
	if err != nil {
		return 0, err
	}
	return len(argv) - len(rest) + 2, s.add(rest[0], vals)
}

func dirImportas(s *elSubstState, argv []string) (int, error) {
	opts, rest, err := getopt.Parse(argv[1:], "iuD:NnsCcd:")
	if err != nil {
		return 0, errDirUsage
	}
	t := execline.NewTransform()
	insist, unexport := false, false
	var def *string
	for _, o := range opts {
		switch o.Letter {
		case 'i':
			insist = true
		case 'u':
			unexport = true
		case 'D':
			v := o.Value
			def = &v
		default:
			parseTransform(&t, o)
		}
	}
	if err := s.checkKey(rest); err != nil {
		return 0, err
	}
	x, ok := os.LookupEnv(rest[1])
	if !ok {
		if insist {
			return 0, &notSetError{rest[1]}
		}
		if def != nil {
			x, ok = *def, true
		}
	} else if unexport {
		s.unexport = append(s.unexport, rest[1])
	}
	var vals []string
	if ok {
		if vals, err = t.Apply(x); err != nil {
			return 0, err
		}
	}
	return len(argv) - len(rest) + 2, s.add(rest[0], vals)
}

func dirElglob(s *elSubstState, argv []string) (int, error) {
	opts, rest, err := getopt.Parse(argv[1:], "vwsme0")
	if err != nil {
		return 0, errDirUsage
	}
	o := execline.GlobOptions{NoCheck: true}
	verbose := false
	for _, op := range opts {
		switch op.Letter {
		case 'v':
			verbose = true
		case 'w':
			o.StopErr = true
		case 's':
			o.Sort = true
		case 'm':
			o.Mark = true
		case 'e':
			o.NoEscape = true
		case '0':
			o.NoCheck = false
		}
	}
	if err := s.checkKey(rest); err != nil {
		return 0, err
	}
	if verbose {
		o.OnError = func(dir string, err error) {
			s.c.Warn("while globbing, error reading %s: %s", dir, errtext.Libc(err))
		}
	}
	vals, err := execline.Glob(rest[1], o)
	if err != nil {
		return 0, err
	}
	return len(argv) - len(rest) + 2, s.add(rest[0], vals)
}

func dirMultidefine(s *elSubstState, argv []string) (int, error) {
	opts, rest, err := getopt.Parse(argv[1:], "0rNnCcd:")
	if err != nil {
		return 0, errDirUsage
	}
	t := execline.NewTransform()
	t.Split = true
	zero, likeRead := false, false
	for _, o := range opts {
		switch o.Letter {
		case '0':
			zero = true
		case 'r':
			likeRead = true
		default:
			parseTransform(&t, o)
		}
	}
	if len(rest) < 2 {
		return 0, errDirUsage
	}
	value, names := rest[0], rest[1:]
	n, ok, code := elBlock(s.c, names, 1)
	if code >= 0 {
		return 0, errDirUsage
	}
	if n == 0 {
		return 0, errDirEmpty
	}
	if !ok || n >= len(names) {
		return 0, errDirUsage
	}
	vals, err := t.Apply(value)
	if err != nil {
		return 0, err
	}
	lastSet := -1
	for i, name := range names[:n] {
		if name == "" {
			continue
		}
		if s.has(name) {
			return 0, errDirKey
		}
		switch {
		case i < len(vals):
			s.subs = append(s.subs, execline.Subst{Name: name, Values: []string{vals[i]}})
		case zero:
			s.subs = append(s.subs, execline.Subst{Name: name})
		default:
			s.subs = append(s.subs, execline.Subst{Name: name, Values: []string{""}})
		}
		lastSet = len(s.subs) - 1
	}
	if n < len(vals) && likeRead && lastSet >= 0 {
		// -r: the last variable takes the rest of the words, like read(1).
		s.subs[lastSet].Values = vals[n-1:]
	}
	return len(argv) - len(rest) + n + 2, nil
}

func dirElgetpositionals(s *elSubstState, argv []string) (int, error) {
	opts, rest, err := getopt.Parse(argv[1:], "P:")
	if err != nil {
		return 0, errDirUsage
	}
	nmin := 0
	for _, o := range opts {
		u, ok := elUint(o.Value)
		if !ok {
			return 0, errDirUsage
		}
		nmin = int(u)
	}
	x, ok := os.LookupEnv("#")
	if ok {
		if n, okn := elUint(x); okn && int(n) < nmin {
			if st := elStrict(); st > 0 {
				e := &execline.TooFewError{Got: int(n), Want: nmin, Verb: "expected"}
				if st > 1 {
					return 0, &fatalError{ExitUsage, e.Error()}
				}
				s.c.Warn("%v", e)
			}
		}
	}
	subs, _, err := execline.EnvPositionals(os.LookupEnv, nmin, s.has)
	if err != nil {
		return 0, errDirKey
	}
	s.subs = append(s.subs, subs...)
	return len(argv) - len(rest), nil
}

// fatalError is a directive's own fatal message and exit code.
type fatalError struct {
	code int
	msg  string
}

func (e *fatalError) Error() string { return e.msg }

// elSubstRun substitutes the collected keys in argv and execs the result.
func elSubstRun(s *elSubstState, argv []string) int {
	words := execline.Substitute(argv, s.subs)
	for _, v := range s.unexport {
		os.Unsetenv(v)
	}
	if len(words) == 0 {
		return 0
	}
	return elExec(s.c, words)
}

// elSubstMain is a single-directive command (exlsn_main).
func elSubstMain(c *Ctx, d elDirective, usage string) int {
	s := &elSubstState{c: c}
	argv := append([]string{c.Prog}, c.Args...)
	n, err := d(s, argv)
	if err != nil {
		var ns *notSetError
		var fe *fatalError
		switch {
		case errors.As(err, &ns):
			return c.Fatal(ExitUsage, "%v", ns)
		case errors.As(err, &fe):
			return c.Fatal(fe.code, "%s", fe.msg)
		case err == errDirEmpty:
			return c.Fatal(ExitUsage, "empty block")
		case err == errDirUsage:
			return elUsage(c, usage)
		case err == errDirKey:
			return c.Fatal(ExitSystem, "bad substitution key")
		}
		return elDieSys(c, ExitSystem, err, "complete exlsn function")
	}
	return elSubstRun(s, argv[n:])
}

func defineMain(c *Ctx) int {
	return elSubstMain(c, dirDefine, "define [ -N | -n ] [ -s ] [ -C | -c ] [ -d delim ] key value prog...")
}

func importasMain(c *Ctx) int {
	return elSubstMain(c, dirImportas, "importas [ -i | -D default ] [ -u ] [ -N | -n ] [ -s ] [ -C | -c ] [ -d delim ] key var prog...")
}

func elglobMain(c *Ctx) int {
	return elSubstMain(c, dirElglob, "elglob [ -v ] [ -w ] [ -s ] [ -m ] [ -e ] [ -0 ] key pattern prog...")
}

func multidefineMain(c *Ctx) int {
	return elSubstMain(c, dirMultidefine, "multidefine [ -0 ] [ -r ] [ -N | -n ] [ -C | -c ] [ -d delim ] value { vars... } prog...")
}

func elgetpositionalsMain(c *Ctx) int {
	return elSubstMain(c, dirElgetpositionals, "elgetpositionals [ -P num ] prog...")
}

func multisubstituteMain(c *Ctx) int {
	const usage = "see http://skarnet.org/software/execline/multisubstitute.html"
	argv := c.Args
	if len(argv) == 0 {
		return elUsage(c, usage)
	}
	n, code := elFirstBlock(c, argv, false)
	if code >= 0 {
		return code
	}
	if n+1 == len(argv) {
		return elUsage(c, usage)
	}
	names := [...]string{"define", "importas", "elglob", "elgetpositionals", "multidefine"}
	funcs := [...]elDirective{dirDefine, dirImportas, dirElglob, dirElgetpositionals, dirMultidefine}
	s := &elSubstState{c: c}
	block := argv[:n]
	for len(block) > 0 {
		i := 0
		for i < len(names) && names[i] != block[0] {
			i++
		}
		if i == len(names) {
			return c.Fatal(ExitUsage, "syntax error: unrecognized directive %s", block[0])
		}
		used, err := funcs[i](s, block)
		if err != nil {
			var ns *notSetError
			var fe *fatalError
			switch {
			case errors.As(err, &ns):
				return c.Fatal(ExitUsage, "%v", ns)
			case errors.As(err, &fe):
				return c.Fatal(fe.code, "%s", fe.msg)
			case err == errDirUsage:
				return c.Fatal(ExitUsage, "syntax error at directive %s", names[i])
			case err == errDirKey:
				return c.Fatal(ExitUsage, "wrong key for directive %s", names[i])
			case err == errDirEmpty:
				return c.Fatal(ExitSystem, "unknown error with directive %s", names[i])
			}
			return elDieSys(c, ExitSystem, err, "run directive %s", names[i])
		}
		block = block[used:]
	}
	return elSubstRun(s, argv[n+1:])
}

// elItoa is strconv.Itoa, named for the execline files.
func elItoa(n int) string { return strconv.Itoa(n) }
