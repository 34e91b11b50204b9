package applets

// Environment and process-state commands: export, unexport, emptyenv,
// envfile, cd, umask, getcwd, getpid, homeof, backtick, withstdinas,
// dollarat, shift, wait, trap.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"s6box/applets/getopt"
	"s6box/core/execline"
	"s6box/core/signame"
)

func exportMain(c *Ctx) int {
	if len(c.Args) < 3 {
		return elUsage(c, "export variable value prog...")
	}
	if strings.Contains(c.Args[0], "=") {
		return c.Fatal(ExitUsage, "invalid variable name: %s", c.Args[0])
	}
	if c.Args[0] == "" {
		// execline puts "=value" in the environment; no program can read it.
		return c.Fatal(ExitUsage, "invalid variable name: empty")
	}
	if !elSetenv(c, c.Args[0], c.Args[1]) {
		return ExitSystem
	}
	return elExec(c, c.Args[2:])
}

func unexportMain(c *Ctx) int {
	if len(c.Args) < 2 {
		return elUsage(c, "unexport variable prog...")
	}
	if strings.Contains(c.Args[0], "=") {
		return c.Fatal(ExitUsage, "invalid variable name: %s", c.Args[0])
	}
	os.Unsetenv(c.Args[0])
	return elExec(c, c.Args[1:])
}

func emptyenvMain(c *Ctx) int {
	const usage = "emptyenv [ -p | -c | -o | -P ] prog..."
	opts, argv, err := getopt.Parse(c.Args, "pcoP")
	if err != nil || len(argv) == 0 {
		return elUsage(c, usage)
	}
	var keepPath, cleanup, opt, pos bool
	for _, o := range opts {
		switch o.Letter {
		case 'p':
			keepPath = true
		case 'c':
			cleanup = true
		case 'o':
			opt = true
		case 'P':
			pos = true
		}
	}
	switch {
	case cleanup:
		os.Unsetenv("!")
		os.Unsetenv("?")
		for _, kv := range os.Environ() {
			k, _ := splitKV(kv)
			if strings.HasPrefix(k, "ELGETOPT_") || strings.HasPrefix(k, "EXECLINE_") || strings.HasPrefix(k, "FD") ||
				strings.HasPrefix(k, "#") || (k != "" && k[0] >= '0' && k[0] <= '9') {
				os.Unsetenv(k)
			}
		}
	case !opt && !pos:
		path, has := os.LookupEnv("PATH")
		os.Clearenv()
		if keepPath && has {
			os.Setenv("PATH", path)
		}
	default:
		env, err := execline.PopEnv(os.Environ(), pos, opt)
		if err != nil {
			return elDieSys(c, ExitSystem, err, "pop current execline environment")
		}
		if !elReplaceEnv(c, env) {
			return ExitSystem
		}
	}
	return elExec(c, argv)
}

func cdMain(c *Ctx) int {
	c.Prog = "execline-cd"
	if len(c.Args) < 2 {
		return elUsage(c, "cd path prog...")
	}
	if err := syscall.Chdir(c.Args[0]); err != nil {
		return elDieSys(c, ExitSystem, err, "chdir to %s", c.Args[0])
	}
	return elExec(c, c.Args[1:])
}

func umaskMain(c *Ctx) int {
	c.Prog = "execline-umask"
	const usage = "umask value prog..."
	if len(c.Args) < 2 {
		return elUsage(c, usage)
	}
	// uint_oscan: the octal digits at the start ("0999" is 0).
	m, n := elScanPrefix(c.Args[0], 8, 1<<32-1)
	if n == 0 {
		return elUsage(c, usage)
	}
	syscall.Umask(int(m & 0o777))
	return elExec(c, c.Args[1:])
}

// elVarProgram parses [ -E | -e ] plus extra letters, and checks the
// variable name, for getcwd/getpid.
func elVarName(c *Ctx, name string) bool {
	if name == "" || strings.Contains(name, "=") {
		c.Fatal(ExitUsage, "invalid variable name")
		return false
	}
	return true
}

func getcwdMain(c *Ctx) int {
	const usage = "getcwd [ -E | -e ] variable prog..."
	opts, argv, err := getopt.Parse(c.Args, "Ee")
	if err != nil || len(argv) < 2 {
		return elUsage(c, usage)
	}
	imp := false
	for _, o := range opts {
		imp = o.Letter == 'E'
	}
	if !elVarName(c, argv[0]) {
		return ExitUsage
	}
	wd, err := syscall.Getwd()
	if err != nil {
		return elDieSys(c, ExitSystem, err, "getcwd")
	}
	return elModifExec(c, argv[1:], argv[0], &wd, imp)
}

func getpidMain(c *Ctx) int {
	const usage = "getpid [ -E | -e ] [ -P | -p ] variable prog..."
	opts, argv, err := getopt.Parse(c.Args, "EePp")
	if err != nil || len(argv) < 2 {
		return elUsage(c, usage)
	}
	imp, ppid := false, false
	for _, o := range opts {
		switch o.Letter {
		case 'E', 'e':
			imp = o.Letter == 'E'
		case 'P', 'p':
			ppid = o.Letter == 'P'
		}
	}
	if !elVarName(c, argv[0]) {
		return ExitUsage
	}
	pid := syscall.Getpid()
	if ppid {
		pid = syscall.Getppid()
	}
	v := strconv.Itoa(pid)
	return elModifExec(c, argv[1:], argv[0], &v, imp)
}

func homeofMain(c *Ctx) int {
	if len(c.Args) < 1 {
		return elUsage(c, "homeof user")
	}
	home, found, err := elHomeOf(c.Args[0])
	if err != nil {
		return elDieSys(c, ExitSystem, err, "get passwd entry for %s", c.Args[0])
	}
	if !found {
		// execline 2.9.3 prints an empty errno text first here.
		return c.Fatal(ExitSystem, ": unable to get passwd entry for %s: no such user", c.Args[0])
	}
	if _, err := fmt.Fprintln(c.Stdout, home); err != nil {
		return elDieSys(c, ExitSystem, err, "write to stdout")
	}
	return 0
}

func backtickMain(c *Ctx) int {
	const usage = "backtick [ -i | -I | -x | -D default ] [ -N | -n ] [ -E | -e ] var { prog... } remainder..."
	opts, argv, err := getopt.Parse(c.Args, "iINnxD:Ee")
	if err != nil {
		return elUsage(c, usage)
	}
	insist, chomp, imp := 2, true, false
	var def *string
	for _, o := range opts {
		switch o.Letter {
		case 'i':
			insist = 2
		case 'I':
			insist = 0
		case 'N':
			chomp = false
		case 'n':
			chomp = true
		case 'x':
			insist, def = 1, nil
		case 'D':
			v := o.Value
			insist, def = 1, &v
		case 'E':
			imp = true
		case 'e':
			imp = false
		}
	}
	if len(argv) < 2 {
		return elUsage(c, usage)
	}
	if !elVarName(c, argv[0]) {
		return ExitUsage
	}
	name, argv := argv[0], argv[1:]
	n, code := elFirstBlock(c, argv, true)
	if code >= 0 {
		return code
	}
	out, ws, err := elCapture(c, argv[:n])
	if err != nil {
		return elDieSys(c, ExitSystem, err, "spawn %s", argv[0])
	}
	s := string(out)
	val := &s
	switch {
	case elStatus(ws) != 0:
		if insist >= 2 {
			msg := "child process exited non-zero"
			if ws.Signaled() {
				msg = "child process crashed"
			}
			return c.Fatal(elEstatus(ws), "%s", msg)
		} else if insist == 1 {
			val = def
		}
	case strings.IndexByte(s, 0) >= 0:
		if insist >= 2 {
			return c.Fatal(124, "child process output contained a null character")
		} else if insist == 1 {
			val = def
			c.Warn("child process output contained a null character")
		} else {
			s = s[:strings.IndexByte(s, 0)]
		}
	default:
		insist = 0
	}
	if insist == 0 && chomp && strings.HasSuffix(s, "\n") {
		s = s[:len(s)-1]
	}
	return elModifExec(c, argv[n+1:], name, val, imp)
}

// elCapture runs argv with its stdout into a pipe and returns what it wrote
// and its wait status.
func elCapture(c *Ctx, argv []string) ([]byte, syscall.WaitStatus, error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return nil, 0, err
	}
	pid, err := elSpawn(c, argv, os.Environ(), map[int]int{1: p[1]})
	syscall.Close(p[1])
	if err != nil {
		syscall.Close(p[0])
		return nil, 0, err
	}
	out, rerr := elSlurp(p[0])
	syscall.Close(p[0])
	ws, werr := elWait(pid)
	if rerr != nil {
		return nil, 0, rerr
	}
	return out, ws, werr
}

func withstdinasMain(c *Ctx) int {
	const usage = "withstdinas [ -i | -I | -D default ] [ -N | -n ] [ -E | -e ] var remainder..."
	opts, argv, err := getopt.Parse(c.Args, "iINnD:Ee")
	if err != nil || len(argv) == 0 {
		return elUsage(c, usage)
	}
	insist, chomp, imp := 0, true, false
	var def *string
	for _, o := range opts {
		switch o.Letter {
		case 'i':
			insist = 2
		case 'I':
			insist = 1
		case 'N':
			chomp = false
		case 'n':
			chomp = true
		case 'D':
			v := o.Value
			def = &v
		case 'E':
			imp = true
		case 'e':
			imp = false
		}
	}
	if !elVarName(c, argv[0]) {
		return ExitUsage
	}
	data, err := elSlurp(0)
	if err != nil {
		return elDieSys(c, ExitSystem, err, "slurp")
	}
	s := string(data)
	val := &s
	if k := strings.IndexByte(s, 0); k >= 0 {
		switch {
		case insist >= 2:
			return c.Fatal(1, "stdin contained a null character")
		case insist == 1:
			val = nil
		case def != nil:
			val = def
			c.Warn("stdin contained a null character - using default instead")
		default:
			s = s[:k]
		}
	} else if chomp && strings.HasSuffix(s, "\n") {
		s = s[:len(s)-1]
	}
	return elModifExec(c, argv[1:], argv[0], val, imp)
}

func dollaratMain(c *Ctx) int {
	const usage = "dollarat [ -n ] [ -0 | -d delimchar ]"
	opts, _, err := getopt.Parse(c.Args, "nd:0")
	if err != nil {
		return elUsage(c, usage)
	}
	nl, zero := true, false
	delim := byte('\n')
	for _, o := range opts {
		switch o.Letter {
		case 'n':
			nl = false
		case 'd':
			delim, zero = 0, false
			if o.Value != "" {
				delim = o.Value[0]
			}
		case '0':
			zero = true
		}
	}
	if zero {
		delim = 0
	}
	x, ok := os.LookupEnv("#")
	if !ok {
		return c.Fatal(ExitUsage, "# not set")
	}
	n, ok := elUint(x)
	if !ok {
		return c.Fatal(ExitUsage, "invalid $#")
	}
	w := bufio.NewWriter(c.Stdout)
	for i := uint(1); i <= n; i++ {
		v, ok := os.LookupEnv(strconv.Itoa(int(i)))
		if !ok {
			w.Flush()
			return c.Fatal(ExitUsage, "%d not set", i)
		}
		if delim != 0 || zero {
			w.WriteString(v)
			if i < n || nl {
				w.WriteByte(delim)
			}
		} else {
			fmt.Fprintf(w, "%d:%s,", len(v), v)
		}
	}
	if err := w.Flush(); err != nil {
		return elDieSys(c, ExitSystem, err, "write to stdout")
	}
	return 0
}

func shiftMain(c *Ctx) int {
	const usage = "shift [ -n arg# ] [ -b block# ] prog..."
	opts, argv, err := getopt.Parse(c.Args, "n:b:")
	if err != nil || len(argv) == 0 {
		return elUsage(c, usage)
	}
	strict := elStrict()
	n, b := uint(1), uint(0)
	given := false
	for _, o := range opts {
		u, ok := elUint(o.Value)
		if !ok {
			return elUsage(c, usage)
		}
		if !given {
			n = 0
		}
		given = true
		if o.Letter == 'n' {
			n = u
		} else {
			b = u
		}
	}
	x, ok := os.LookupEnv("#")
	if !ok {
		return c.Fatal(ExitUsage, "# not set")
	}
	sharp, ok := elUint(x)
	if !ok {
		return c.Fatal(ExitUsage, "invalid $#")
	}
	if n > sharp {
		if strict == 1 {
			c.Warn("unable to shift %d arguments: got %d", n, sharp)
		} else if strict > 1 {
			return c.Fatal(ExitUsage, "unable to shift %d arguments: got %d", n, sharp)
		}
		n = sharp
	}
	for i := uint(0); i < b; i++ {
		base := n
		for {
			n++
			if n > sharp {
				return c.Fatal(ExitUsage, "unable to shift block %d: too few arguments (%d)", i, n)
			}
			v, ok := os.LookupEnv(strconv.Itoa(int(n)))
			if !ok {
				return c.Fatal(ExitUsage, "%d not set", n)
			}
			if v == "" {
				break
			}
			if v[0] != ' ' && strict > 0 {
				msg := fmt.Sprintf("unquoted positional %s at block %d position %d", v, i, n-base)
				if strict == 1 {
					c.Warn("%s", msg)
				} else {
					return c.Fatal(ExitUsage, "%s", msg)
				}
			}
		}
	}
	old := map[uint]string{}
	for i := uint(1); i <= sharp; i++ {
		if v, ok := os.LookupEnv(strconv.Itoa(int(i))); ok {
			old[i] = v
		}
	}
	os.Setenv("#", strconv.Itoa(int(sharp-n)))
	for i := uint(1); i <= sharp; i++ {
		if v, ok := old[i+n]; ok && i <= sharp-n {
			os.Setenv(strconv.Itoa(int(i)), v)
		} else {
			os.Unsetenv(strconv.Itoa(int(i)))
		}
	}
	return elExec(c, argv)
}

func waitMain(c *Ctx) int {
	const usage = "wait [ -I | -i ] [ -a | -o ] [ -r | -t timeout ] { pids... } [ prog... ]"
	opts, argv, err := getopt.Parse(c.Args, "iIaort:")
	if err != nil {
		return elUsage(c, usage)
	}
	insist, justOne, hasTimeout := false, false, false
	var timeout time.Duration
	for _, o := range opts {
		switch o.Letter {
		case 'i':
			insist = true
		case 'I':
			insist = false
		case 'a':
			justOne = false
		case 'o':
			justOne = true
		case 'r':
			hasTimeout, timeout = true, 0
		case 't':
			u, ok := elUint(o.Value)
			if !ok {
				return elUsage(c, usage)
			}
			hasTimeout, timeout = true, time.Duration(u)*time.Millisecond
		}
	}
	n, hasBlock, code := elBlock(c, argv, 1)
	if code >= 0 {
		return code
	}
	if !hasBlock {
		n = len(argv)
	}
	var pids []int
	for _, a := range argv[:n] {
		p, err := strconv.Atoi(a)
		if err != nil || p < 0 {
			return elUsage(c, usage)
		}
		pids = append(pids, p)
	}
	special := 0
	if len(pids) > 0 {
		special = pids[len(pids)-1]
	}
	var deadline time.Time
	if hasTimeout {
		deadline = time.Now().Add(timeout)
	}
	e, gotPid := -1, 0
	if !justOne && len(pids) == 0 && !hasTimeout {
		e = 0
	}
	if !justOne && special == 0 && hasTimeout {
		e = 0
	}
	for {
		flags := 0
		if hasTimeout {
			flags = syscall.WNOHANG
		}
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, flags, nil)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.ECHILD {
			break
		}
		if err != nil {
			return elDieSys(c, ExitSystem, err, "wait")
		}
		if pid == 0 {
			if time.Now().After(deadline) {
				if insist {
					return elDieSys(c, 99, syscall.ETIMEDOUT, "wait")
				}
				e = -1
				break
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		listed := len(pids) == 0
		for i, p := range pids {
			if p == pid {
				listed = true
				pids = append(pids[:i], pids[i+1:]...)
				break
			}
		}
		if !listed {
			continue
		}
		if justOne || pid == special {
			gotPid, e = pid, elEstatus(ws)
		}
		if justOne || (len(pids) == 0 && n > 0) {
			break
		}
	}
	if !hasBlock {
		if e >= 0 {
			return e
		}
		return 127
	}
	rest := argv[n+1:]
	if !justOne {
		return elExec(c, rest)
	}
	if e < 0 {
		os.Unsetenv("?")
		os.Unsetenv("!")
		return elExec(c, rest)
	}
	os.Setenv("?", strconv.Itoa(e))
	os.Setenv("!", strconv.Itoa(gotPid))
	return elExec(c, rest)
}

func trapMain(c *Ctx) int {
	const usage = "trap [ -x ] { signal { cmdline } ... } prog..."
	opts, argv, err := getopt.Parse(c.Args, "xt:")
	if err != nil || len(argv) == 0 {
		return elUsage(c, usage)
	}
	xfer := false
	for _, o := range opts {
		if o.Letter == 'x' {
			xfer = true
		}
	}
	n, code := elFirstBlock(c, argv, true)
	if code >= 0 {
		return code
	}
	if n+1 == len(argv) {
		return elUsage(c, usage)
	}
	actions := map[syscall.Signal][]string{}
	var deflt []string
	hasDefault := false
	block := argv[:n]
	for i := 0; i < len(block); {
		name := block[i]
		var sig syscall.Signal
		isDefault := strings.EqualFold(name, "default")
		if !isDefault {
			s, ok := signame.Parse(name)
			if !ok {
				return c.Fatal(ExitUsage, "unrecognized directive: %s", name)
			}
			sig = syscall.Signal(s)
		}
		i++
		m, ok, code := elBlock(c, block[i:], 2)
		if code >= 0 {
			return code
		}
		if !ok {
			return c.Fatal(ExitUsage, "unterminated internal block for directive %s", name)
		}
		if isDefault {
			if hasDefault {
				return c.Fatal(ExitUsage, "duplicate directive: %s", name)
			}
			hasDefault, deflt = true, block[i:i+m]
		} else {
			if _, dup := actions[sig]; dup {
				return c.Fatal(ExitUsage, "duplicate directive: %s", name)
			}
			if sig == syscall.SIGKILL || sig == syscall.SIGSTOP || sig == syscall.SIGCHLD {
				return c.Fatal(ExitUsage, "SIG%s (%d) cannot be trapped", signame.Name(int(sig)), int(sig))
			}
			actions[sig] = block[i : i+m]
		}
		i += m + 1
	}
	ch := make(chan os.Signal, 32)
	if xfer || hasDefault {
		signal.Notify(ch)
	} else {
		sigs := []os.Signal{syscall.SIGCHLD}
		for s := range actions {
			sigs = append(sigs, s)
		}
		signal.Notify(ch, sigs...)
	}
	signal.Notify(ch, syscall.SIGCHLD)
	prog := argv[n+1:]
	mainPid, err := elSpawn(c, prog, os.Environ(), nil)
	if err != nil {
		return elDieSys(c, ExitSystem, err, "spawn %s", prog[0])
	}
	running := map[syscall.Signal]int{}
	for s := range ch {
		sig := s.(syscall.Signal)
		if sig == syscall.SIGCHLD {
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if err == syscall.EINTR {
					continue
				}
				if err != nil || pid <= 0 {
					break
				}
				if pid == mainPid {
					return elEstatus(ws)
				}
				for k, p := range running {
					if p == pid {
						delete(running, k)
					}
				}
			}
			continue
		}
		if sig == syscall.SIGURG {
			continue // the Go runtime's own preemption signal
		}
		act, ok := actions[sig]
		if !ok && hasDefault {
			act, ok = deflt, true
		}
		if !ok {
			syscall.Kill(mainPid, sig)
			continue
		}
		if running[sig] != 0 {
			continue
		}
		env := dedupEnv(append(os.Environ(), "!="+strconv.Itoa(mainPid), "SIGNAL="+strconv.Itoa(int(sig))))
		pid, err := elSpawn(c, act, env, nil)
		if err != nil {
			return elDieSys(c, ExitSystem, err, "spawn %s", act[0])
		}
		running[sig] = pid
	}
	return 0
}

// elHomeOf finds user's home directory in /etc/passwd (getpwnam on a
// flat-file system).
func elHomeOf(user string) (string, bool, error) {
	data, err := elReadFile("/etc/passwd")
	if err != nil {
		return "", false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 7 && f[0] == user {
			return f[5], true, nil
		}
	}
	return "", false, nil
}

func envfileMain(c *Ctx) int {
	const usage = "envfile [ -i | -I ] file prog..."
	opts, argv, err := getopt.Parse(c.Args, "iI")
	if err != nil || len(argv) < 2 {
		return elUsage(c, usage)
	}
	strict := true
	for _, o := range opts {
		strict = o.Letter == 'i'
	}
	name := argv[0]
	var data []byte
	if name == "-" {
		name = "standard input"
		data, err = elSlurp(0)
	} else {
		data, err = elReadFile(name)
	}
	if err != nil {
		if strict || !errors.Is(err, syscall.ENOENT) {
			return elDieSys(c, ExitSystem, err, "open %s", name)
		}
		return elExec(c, argv[1:])
	}
	defs, err := execline.ParseEnvfile(data)
	if err != nil {
		return c.Fatal(1, "in %s: %v", name, err)
	}
	for _, d := range defs {
		k, v := splitKV(d)
		if !elSetenv(c, k, v) {
			return ExitSystem
		}
	}
	return elExec(c, argv[1:])
}
