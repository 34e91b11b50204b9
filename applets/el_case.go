package applets

// case, elgetopt and runblock.

import (
	"os"
	"strings"

	"s6box/applets/getopt"
	"s6box/core/execline"
	"s6box/logger/ere"
)

func caseMain(c *Ctx) int {
	const usage = "case [ -s | -S ] [ -e | -E ] [ -n | -N ] [ -i ] value { re1 { prog1... } re2 { prog2... } ... } progdefault... "
	opts, argv, err := getopt.Parse(c.Args, "sSeEnNi")
	if err != nil {
		return elUsage(c, usage)
	}
	shell, extended, nosub, icase := false, true, true, false
	for _, o := range opts {
		switch o.Letter {
		case 's', 'S':
			shell = o.Letter == 's'
		case 'e', 'E':
			extended = o.Letter == 'E'
		case 'n', 'N':
			nosub = o.Letter == 'n'
		case 'i':
			icase = true
		}
	}
	if len(argv) < 2 {
		return elUsage(c, usage)
	}
	value, argv := argv[0], argv[1:]
	blockNo := 1
	n1, ok, code := elBlock(c, argv, blockNo)
	if code >= 0 {
		return code
	}
	if !ok {
		return c.Fatal(ExitUsage, "unterminated case block")
	}
	for i := 0; i < n1; {
		expr := argv[i]
		i++
		if i == n1 {
			return c.Fatal(ExitUsage, "malformed case block")
		}
		blockNo++
		n2, ok, code := elBlock(c, argv[i:], blockNo)
		if code >= 0 {
			return code
		}
		if !ok || i+n2 >= n1 {
			return c.Fatal(ExitUsage, "unterminated regex block")
		}
		prog := argv[i : i+n2]
		if shell {
			f := execline.FnmatchFlags{NoEscape: !extended, Period: icase, Pathname: !nosub}
			if execline.Fnmatch(expr, value, f) {
				return elExec(c, prog)
			}
		} else {
			re, err := ere.CompileOptions("^"+expr+"$", ere.Options{Basic: !extended, ICase: icase})
			if err != nil {
				msg := err.Error()
				if e, ok := err.(*ere.Error); ok {
					msg = e.GlibcMessage()
				}
				return c.Fatal(ExitUsage, ": unable to regcomp \"^%s$\": %s", argv[i], msg)
			}
			if nosub {
				if re.MatchString(value) {
					return elExec(c, prog)
				}
			} else if m := re.FindSubmatchIndex([]byte(value)); m != nil {
				set := func(k, v string) bool { return elSetenv(c, k, v) }
				if !set("#", elItoa(re.NumSubexp())) || !set("0", expr) {
					return ExitSystem
				}
				for k := 1; k <= re.NumSubexp(); k++ {
					sub := ""
					if m[2*k] >= 0 {
						sub = value[m[2*k]:m[2*k+1]]
					}
					if !set(elItoa(k), sub) {
						return ExitSystem
					}
				}
				return elExec(c, prog)
			}
		}
		i += n2 + 1
	}
	return elExec(c, argv[n1+1:])
}

func elgetoptMain(c *Ctx) int {
	const usage = "elgetopt [ -D default ] optstring prog..."
	opts, argv, err := getopt.Parse(c.Args, "D:")
	if err != nil {
		return elUsage(c, usage)
	}
	dfl := "1"
	for _, o := range opts {
		dfl = o.Value
	}
	if len(argv) < 2 {
		return elUsage(c, usage)
	}
	x, ok := os.LookupEnv("#")
	if !ok {
		return c.Fatal(ExitUsage, "# not set")
	}
	nargs, ok := elUint(x)
	if !ok {
		return c.Fatal(ExitUsage, "invalid $#")
	}
	args := make([]string, nargs+1)
	for i := range args {
		v, ok := os.LookupEnv(elItoa(i))
		if !ok {
			return c.Fatal(ExitUsage, "%d not set", i)
		}
		args[i] = v
	}
	type modif struct {
		k, v  string
		unset bool
	}
	var mods []modif
	ind := 1
	// getopt(3) over args, with skalibs' messages
	for ind < len(args) {
		w := args[ind]
		if w == "--" {
			ind++
			break
		}
		if len(w) < 2 || w[0] != '-' {
			break
		}
		stop := false
		for j := 1; j < len(w) && !stop; j++ {
			ch := w[j]
			k := strings.IndexByte(argv[0], ch)
			if ch == ':' || k < 0 {
				c.Stderr.Write([]byte(args[0] + ": illegal option\n"))
				return 1
			}
			val := dfl
			if k+1 < len(argv[0]) && argv[0][k+1] == ':' {
				switch {
				case j+1 < len(w):
					val = w[j+1:]
				case ind+1 < len(args):
					ind++
					val = args[ind]
				default:
					c.Stderr.Write([]byte(args[0] + ": option requires an argument\n"))
					return 1
				}
				stop = true
			}
			mods = append(mods, modif{k: "ELGETOPT_" + string(ch), v: val})
		}
		ind++
	}
	rest := args[ind:]
	for i := 0; i < int(nargs); i++ {
		if i < len(rest) {
			mods = append(mods, modif{k: elItoa(i + 1), v: rest[i]})
		} else {
			mods = append(mods, modif{k: elItoa(i + 1), unset: true})
		}
	}
	mods = append(mods, modif{k: "#", v: elItoa(len(rest))})
	env, err := execline.PushOptEnv(os.Environ())
	if err != nil {
		return elDieSys(c, ExitSystem, err, "update environment")
	}
	if !elReplaceEnv(c, env) {
		return ExitSystem
	}
	for _, m := range mods {
		if m.unset {
			os.Unsetenv(m.k)
		} else if !elSetenv(c, m.k, m.v) {
			return ExitSystem
		}
	}
	return elExec(c, argv[1:])
}

func runblockMain(c *Ctx) int {
	const usage = "runblock [ -P ] [ -n argshift ] [ -r ] n cmd..."
	opts, argv, err := getopt.Parse(c.Args, "Prn:")
	if err != nil {
		return elUsage(c, usage)
	}
	noPop, rest := false, false
	m := uint(0)
	for _, o := range opts {
		switch o.Letter {
		case 'P':
			noPop = true
		case 'r':
			rest = true
		case 'n':
			v, ok := elUint(o.Value)
			if !ok {
				return elUsage(c, usage)
			}
			m = v
		}
	}
	if len(argv) == 0 {
		return elUsage(c, usage)
	}
	n, ok := elUint(argv[0])
	if !ok || (n == 0 && !rest) {
		return elUsage(c, usage)
	}
	argv = argv[1:]
	x, ok := os.LookupEnv("#")
	if !ok {
		return c.Fatal(ExitUsage, "# not set")
	}
	sharp, ok := elUint(x)
	if !ok {
		return c.Fatal(ExitUsage, "invalid $#")
	}
	strict := elStrict()
	// next returns positional ++m.
	next := func() (string, int) {
		m++
		if m > sharp {
			return "", c.Fatal(ExitUsage, "too few arguments")
		}
		v, ok := os.LookupEnv(elItoa(int(m)))
		if !ok {
			return "", c.Fatal(ExitUsage, "%d not set", m)
		}
		return v, -1
	}
	unquoted := func(v string, block, pos uint) int {
		if strict == 1 {
			c.Warn("unquoted positional %s at block %d position %d", v, block, pos)
		} else if strict > 1 {
			return c.Fatal(ExitUsage, "unquoted positional %s at block %d position %d", v, block, pos)
		}
		return -1
	}
	// block reads positional block i to its end, checking that its words
	// are quoted; with keep it returns them, unquoted.
	block := func(i uint, keep bool) ([]string, int) {
		base := m
		var words []string
		for {
			v, code := next()
			if code >= 0 {
				return nil, code
			}
			if v == execline.BlockEnd {
				return words, -1
			}
			if v[0] != execline.BlockQuote {
				if code := unquoted(v, i, m-base); code >= 0 {
					return nil, code
				}
			} else {
				v = v[1:]
			}
			if keep {
				words = append(words, v)
			}
		}
	}
	skip := n
	if rest {
		skip++
	}
	for i := uint(1); i < skip; i++ {
		if _, code := block(i, false); code >= 0 {
			return code
		}
	}
	cmd := append([]string{}, argv...)
	if rest {
		if m+1 > sharp {
			return 0
		}
		for m < sharp {
			v, code := next()
			if code >= 0 {
				return code
			}
			cmd = append(cmd, v)
		}
	} else {
		words, code := block(n, true)
		if code >= 0 {
			return code
		}
		cmd = append(cmd, words...)
	}
	if !noPop {
		env, err := execline.PopEnv(os.Environ(), true, false)
		if err != nil {
			return elDieSys(c, ExitSystem, err, "pop environment")
		}
		if !elReplaceEnv(c, env) {
			return ExitSystem
		}
	}
	return elExec(c, cmd)
}
