package applets

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"s6box/applets/getopt"
	"s6box/core/execline"
)

const execlinebUsage = "execlineb [ -p | -P | -S nmin | -s nmin ] [ -q | -w | -W ] [ -c commandline ] script args"

// Positional parameter modes of execlineb.
const (
	elPosNone  = iota // -P: positional parameters are not touched
	elPosSet          // -p: set #, 0, 1… in the environment
	elPosPush         // default: push the old ones, then set
	elPosSubst        // -S n: substitute $#, $0, $1…, $@ in the script
	elPosShift        // -s n: the same, $@ being the arguments after the n-th
)

// ExeclineOptions is how a script runs: the positional mode (one of the
// execlineb options -P, -p, -S n, -s n; the zero value is -P, what s6-rc
// oneshots use), the minimum number of positionals for -S/-s, and $0.
type ExeclineOptions struct {
	Mode    int // ExeclineP (zero), ExeclinePush, ExeclineSubst, ExeclineShift
	Min     int
	Dollar0 string
}

// Positional modes for ExeclineOptions.Mode.
const (
	ExeclineP     = 0
	ExeclinePush  = 1
	ExeclineSubst = 2
	ExeclineShift = 3
	ExeclineSet   = 4 // -p: set the positionals without pushing the old ones
)

// ExeclineScript runs an execline script with arguments, as execlineb
// does: it parses it (errors are reported as execlineb's, exit 100), sets
// up the positional parameters, and execs the resulting command line — into
// this process when it starts with an applet of this binary (fdmove,
// s6-envdir, importas…), so a whole chain is one process and one final
// exec. It only returns on failure, with the exit code; an empty script
// returns 0.
//
// This is the entry point for s6-rc oneshots: their up and down files are
// execline scripts run with execlineb -P, i.e. ExeclineOptions{}.
func ExeclineScript(c *Ctx, script []byte, args []string, o ExeclineOptions) int {
	words, err := execline.Parse(script)
	if err != nil {
		return c.Fatal(ExitUsage, "%v", err)
	}
	return execlineRun(c, words, args, o, -1)
}

// ExeclineExec runs an already parsed execline command line (argv as
// execline.Parse returns it, blocks encoded) in this process or by exec:
// the same as ExeclineScript with -P. It only returns on failure.
func ExeclineExec(c *Ctx, argv []string) int {
	return execlineRun(c, argv, nil, ExeclineOptions{}, -1)
}

func execlinebMain(c *Ctx) int {
	c.Prog = "execlineb"
	opts, rest, err := getopt.Parse(c.Args, "pPqwWc:S:s:")
	if err != nil {
		return elUsage(c, execlinebUsage)
	}
	mode := elPosPush
	strict := -1
	nmin := 0
	var cmd *string
	for _, o := range opts {
		switch o.Letter {
		case 'p':
			mode = elPosSet
		case 'P':
			mode = elPosNone
		case 'q':
			strict = 0
		case 'w':
			strict = 1
		case 'W':
			strict = 2
		case 'c':
			v := o.Value
			cmd = &v
		case 'S', 's':
			u, ok := elUint(o.Value)
			if !ok {
				return elUsage(c, execlinebUsage)
			}
			nmin = int(u)
			mode = elPosSubst
			if o.Letter == 's' {
				mode = elPosShift
			}
		}
	}
	dollar0 := c.Prog
	if elFresh(c) && len(os.Args) > 0 && filepath.Base(os.Args[0]) != MulticallName {
		dollar0 = os.Args[0]
	}
	var script []byte
	if cmd != nil {
		script = []byte(*cmd)
	} else {
		if len(rest) == 0 {
			return elUsage(c, execlinebUsage)
		}
		dollar0, rest = rest[0], rest[1:]
		script, err = elReadFile(dollar0)
		if err != nil {
			return elDieSys(c, ExitSystem, err, "open %s for reading", dollar0)
		}
	}
	for i, b := range script {
		if b == 0 {
			script = script[:i]
			break
		}
	}
	words, err := execline.Parse(script)
	if err != nil {
		switch {
		case errors.Is(err, execline.ErrUnmatchedClose), errors.Is(err, execline.ErrUnmatchedOpen), errors.Is(err, execline.ErrSyntax):
			return c.Fatal(ExitUsage, "%v", err)
		}
		return elDieSys(c, ExitSystem, err, "parse script")
	}
	if len(words) == 0 {
		return 0
	}
	m := ExeclineOptions{Min: nmin, Dollar0: dollar0}
	switch mode {
	case elPosNone:
		m.Mode = ExeclineP
	case elPosSet:
		m.Mode = ExeclineSet
	case elPosPush:
		m.Mode = ExeclinePush
	case elPosSubst:
		m.Mode = ExeclineSubst
	case elPosShift:
		m.Mode = ExeclineShift
	}
	return execlineRun(c, words, rest, m, strict)
}

// execlineRun is execlineb after parsing. strict is the -q/-w/-W choice, -1 for none.
func execlineRun(c *Ctx, words, args []string, o ExeclineOptions, strict int) int {
	if len(words) == 0 {
		return 0
	}
	if strict >= 0 {
		if strict > 0 {
			if !elSetenv(c, "EXECLINE_STRICT", strconv.Itoa(strict)) {
				return ExitSystem
			}
		} else {
			os.Unsetenv("EXECLINE_STRICT")
		}
	} else if x, ok := os.LookupEnv("EXECLINE_STRICT"); ok {
		if u, ok := elUint(x); ok {
			strict = int(u)
		} else {
			c.Warn("invalid EXECLINE_STRICT value, unsetting it")
			os.Unsetenv("EXECLINE_STRICT")
		}
	}
	switch o.Mode {
	case ExeclineSubst, ExeclineShift:
		if strict != 0 && len(args) < o.Min {
			e := &execline.TooFewError{Got: len(args), Want: o.Min, Verb: "expecting"}
			if strict > 1 {
				return c.Fatal(ExitUsage, "%v", e)
			}
			c.Warn("%v", e)
		}
		words = execline.Substitute(words, execline.ScriptSubsts(args, o.Min, o.Dollar0, o.Mode == ExeclineShift))
		if len(words) == 0 {
			return 0
		}
	case ExeclinePush, ExeclineSet:
		if o.Mode == ExeclinePush {
			env, err := execline.PushEnv(os.Environ())
			if err != nil {
				return elDieSys(c, ExitSystem, err, "update environment")
			}
			if !elReplaceEnv(c, env) {
				return ExitSystem
			}
		}
		if !elSetenv(c, "#", strconv.Itoa(len(args))) || !elSetenv(c, "0", o.Dollar0) {
			return ExitSystem
		}
		for i, a := range args {
			if !elSetenv(c, strconv.Itoa(i+1), a) {
				return ExitSystem
			}
		}
	}
	return elExec(c, words)
}

func splitKV(kv string) (string, string) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:]
		}
	}
	return kv, ""
}

// elReadFile reads a file with plain system calls (os.ReadFile would start
// the runtime's poller, whose descriptors scripts may want to use).
func elReadFile(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	return elSlurp(fd)
}

// elSlurp reads fd to its end.
func elSlurp(fd int) ([]byte, error) {
	var out []byte
	buf := make([]byte, 8192)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}
