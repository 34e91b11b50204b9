package applets

// Control flow: foreground, background, if, ifelse, ifte, ifthenelse,
// exit, exec, tryexec, loopwhilex, forx, forstdin, forbacktickx.

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"s6box/applets/getopt"
	"s6box/core/errtext"
	"s6box/core/execline"
)

// elExecApplet runs one of this binary's applets by name (the internal
// steps execline takes through EXECLINE_BINPREFIX): in this process, or by
// exec'ing this executable when chaining is off.
func elExecApplet(c *Ctx, argv []string) int {
	a := Find(Table(), argv[0])
	if a != nil && os.Getenv(NoChainEnv) == "" {
		next := &Ctx{Prog: argv[0], Args: argv[1:], Applet: a, Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr,
			Argv0: c.Argv0, self: c.self, selfDone: c.selfDone}
		return a.Main(next)
	}
	if self := c.Self(); self != "" {
		err := syscall.Exec(self, argv, os.Environ())
		return elDieSys(c, ExitNoExec, err, "exec %s", argv[0])
	}
	return elExec(c, argv)
}

// elModifExec is el_modif_and_exec: set var (or unset it when value is
// nil) and exec argv, through `importas -ui -- var var` with -E.
func elModifExec(c *Ctx, argv []string, name string, value *string, doImport bool) int {
	if value != nil {
		if !elSetenv(c, name, *value) {
			return ExitSystem
		}
	} else {
		os.Unsetenv(name)
	}
	if doImport {
		return elExecApplet(c, append([]string{"importas", "-ui", "--", name, name}, argv...))
	}
	return elExec(c, argv)
}

// elModifSpawn is el_modif_and_spawn: the same in a child.
func elModifSpawn(c *Ctx, argv []string, name, value string, doImport bool) (int, error) {
	env := append(os.Environ(), name+"="+value)
	env = dedupEnv(env)
	if doImport {
		argv = append([]string{"importas", "-ui", "--", name, name}, argv...)
	}
	return elSpawn(c, argv, env, nil)
}

// dedupEnv keeps the last definition of each variable.
func dedupEnv(env []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		k, _ := splitKV(env[i])
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, env[i])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// elSequence is el_execsequence: run first, then exec rest with ? set to
// its status (127 when it could not be spawned).
func elSequence(c *Ctx, first, rest []string) int {
	status := 127
	ws, err := elRun(c, first)
	if err != nil {
		c.Warn("unable to spawn %s: %s", first[0], errtext.Libc(err))
	} else {
		status = elStatus(ws)
	}
	if !elSetenv(c, "?", strconv.Itoa(status)) {
		return ExitSystem
	}
	return elExec(c, rest)
}

func foregroundMain(c *Ctx) int {
	argv := c.Args
	n, code := elFirstBlock(c, argv, false)
	if code >= 0 {
		return code
	}
	return elSequence(c, argv[:n], argv[n+1:])
}

func backgroundMain(c *Ctx) int {
	const usage = "background [ -d ] { command... }"
	opts, argv, err := getopt.Parse(c.Args, "d")
	if err != nil {
		return elUsage(c, usage)
	}
	df := len(opts) > 0
	n, code := elFirstBlock(c, argv, true)
	if code >= 0 {
		return code
	}
	if n+1 == len(argv) {
		df = false
	}
	if df {
		// The block runs as a grandchild: an intermediate `background`
		// child spawns it and exits. Its pid is not known here, so ! is
		// unset (execline sets it to the grandchild's pid).
		pid, err := elSpawn(c, append([]string{"background"}, execline.QuoteBlock(argv[:n])...), os.Environ(), nil)
		if err != nil {
			return elDieSys(c, ExitSystem, err, "doublefork")
		}
		elWait(pid)
		os.Unsetenv("!")
		return elExec(c, argv[n+1:])
	}
	pid, err := elSpawn(c, argv[:n], os.Environ(), nil)
	if err != nil {
		return elDieSys(c, ExitSystem, err, "spawn %s", argv[0])
	}
	if n+1 == len(argv) {
		return 0
	}
	if !elSetenv(c, "!", strconv.Itoa(pid)) {
		return ExitSystem
	}
	return elExec(c, argv[n+1:])
}

func ifMain(c *Ctx) int {
	const usage = "if [ -n ] [ -X ] [ -t | -x exitcode ] { command... }"
	opts, argv, err := getopt.Parse(c.Args, "nXtx:")
	if err != nil {
		return elUsage(c, usage)
	}
	not, fixed, normalCrash := false, false, false
	e := 1
	for _, o := range opts {
		switch o.Letter {
		case 'n':
			not, fixed = true, true
		case 'X':
			normalCrash = true
		case 't':
			e, fixed = 0, true
		case 'x':
			u, ok := elUint(o.Value)
			if !ok || u > 65535 {
				return elUsage(c, usage)
			}
			e, fixed = int(u), true
		}
	}
	if e > 255 {
		return c.Fatal(ExitUsage, "invalid exit code")
	}
	n, code := elFirstBlock(c, argv, false)
	if code >= 0 {
		return code
	}
	ws, err := elRun(c, argv[:n])
	if err != nil {
		return elDieSys(c, ExitSystem, err, "spawn %s", argv[0])
	}
	if !normalCrash && ws.Signaled() {
		return elCrashed(c, ws)
	}
	if not == (elEstatus(ws) == 0) {
		if fixed {
			return e
		}
		return elEstatus(ws)
	}
	return elExec(c, argv[n+1:])
}

func ifelseMain(c *Ctx) int {
	argv, not, normalCrash, code := elNotCrashFlags(c, "nX", "ifelse [ -n ] [ -X ] { command-if } { command-then... } command-else...")
	if code >= 0 {
		return code
	}
	blocks, elseCmd, code := elBlocks(c, argv, "if", "then")
	if code >= 0 {
		return code
	}
	success, code := elCondition(c, blocks[0], normalCrash)
	if code >= 0 {
		return code
	}
	if not != success {
		return elExec(c, blocks[1])
	}
	return elExec(c, elseCmd)
}

func ifteMain(c *Ctx) int {
	argv, not, normalCrash, code := elNotCrashFlags(c, "Xn", "ifte [ -X ] [ -n ] { command-then... } { command-else... } command-if...")
	if code >= 0 {
		return code
	}
	blocks, cond, code := elBlocks(c, argv, "then", "else")
	if code >= 0 {
		return code
	}
	if len(cond) == 0 {
		return c.Fatal(ExitUsage, "empty command-if")
	}
	ws, err := elRun(c, cond)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) && cond[0] != "" && cond[0][0] == ' ' {
			return c.Fatal(ExitSystem, "unable to spawn %s: name begins with a space, are you trying to spawn a block as your command-if?", cond[0])
		}
		return elDieSys(c, ExitSystem, err, "spawn %s", cond[0])
	}
	if !normalCrash && ws.Signaled() {
		return elCrashed(c, ws)
	}
	if not == (elEstatus(ws) == 0) {
		return elExec(c, blocks[1])
	}
	return elExec(c, blocks[0])
}

func ifthenelseMain(c *Ctx) int {
	const usage = "ifthenelse [ -X ] { command-if... } { command-then... } { command-else... } [ remainder... ]"
	opts, argv, err := getopt.Parse(c.Args, "Xs")
	if err != nil {
		return elUsage(c, usage)
	}
	magic, normalCrash := false, false
	for _, o := range opts {
		if o.Letter == 's' {
			magic = true
		} else {
			normalCrash = true
		}
	}
	blocks, remainder, code := elBlocks(c, argv, "if", "then", "else")
	if code >= 0 {
		return code
	}
	success, code := elCondition(c, blocks[0], normalCrash)
	if code >= 0 {
		return code
	}
	chosen := blocks[1]
	if !success {
		chosen = blocks[2]
	}
	if magic {
		return elExec(c, append(append([]string(nil), chosen...), remainder...))
	}
	return elSequence(c, chosen, remainder)
}

// elNotCrashFlags parses the -n (negate) and -X (a crash is a failure, not
// fatal) options of ifelse and ifte.
func elNotCrashFlags(c *Ctx, spec, usage string) (argv []string, not, normalCrash bool, code int) {
	opts, argv, err := getopt.Parse(c.Args, spec)
	if err != nil {
		return nil, false, false, elUsage(c, usage)
	}
	for _, o := range opts {
		if o.Letter == 'n' {
			not = true
		} else {
			normalCrash = true
		}
	}
	return argv, not, normalCrash, -1
}

// elBlocks reads the blocks named in names (for messages: "if", "then",
// "else") one after the other from argv, and returns them and what follows
// the last one, or an exit code >= 0. Only the second block is reported as
// missing when nothing follows the first, as execline does.
func elBlocks(c *Ctx, argv []string, names ...string) (blocks [][]string, rest []string, code int) {
	for i, name := range names {
		if i == 1 && len(argv) == 0 {
			return nil, nil, c.Fatal(ExitUsage, "%s block required", name)
		}
		n, ok, code := elBlock(c, argv, i+1)
		if code >= 0 {
			return nil, nil, code
		}
		if !ok {
			return nil, nil, c.Fatal(ExitUsage, "unterminated %s block", name)
		}
		blocks = append(blocks, argv[:n])
		argv = argv[n+1:]
	}
	return blocks, argv, -1
}

// elCondition runs cond and reports whether it exited 0; a crash ends the
// program here (elCrashed) unless normalCrash.
func elCondition(c *Ctx, cond []string, normalCrash bool) (success bool, code int) {
	ws, err := elRun(c, cond)
	if err != nil {
		name := ""
		if len(cond) > 0 {
			name = cond[0]
		}
		return false, elDieSys(c, ExitSystem, err, "spawn %s", name)
	}
	if !normalCrash && ws.Signaled() {
		return false, elCrashed(c, ws)
	}
	return elEstatus(ws) == 0, -1
}

func exitMain(c *Ctx) int {
	if len(c.Args) == 0 {
		return 0
	}
	u, ok := elUint(c.Args[0])
	if !ok {
		return elUsage(c, "exit [ exitcode ]")
	}
	return int(u & 0xff)
}

// elExecAs is exec/tryexec's final step: exec file with argv (argv[0]
// possibly changed) and env.
func elExecAs(c *Ctx, file string, argv []string, clearEnv bool) error {
	path, err := c.LookProgram(file)
	if err != nil {
		return err
	}
	env := os.Environ()
	if clearEnv {
		env = nil
	}
	return syscall.Exec(path, argv, env)
}

func execMain(c *Ctx) int {
	const usage = "exec [ -c ] [ -l ] [ -a argv0 ] prog..."
	opts, argv, err := getopt.Parse(c.Args, "cla:")
	if err != nil || len(argv) == 0 {
		return elUsage(c, usage)
	}
	clearEnv, dash := false, false
	argv0 := ""
	hasArgv0 := false
	for _, o := range opts {
		switch o.Letter {
		case 'c':
			clearEnv = true
		case 'l':
			dash = true
		case 'a':
			argv0, hasArgv0 = o.Value, true
		}
	}
	file := argv[0]
	argv = append([]string(nil), argv...)
	if hasArgv0 {
		argv[0] = argv0
	}
	if dash {
		argv[0] = "-" + argv[0]
	}
	if !clearEnv && !hasArgv0 && !dash {
		return elExec(c, argv)
	}
	err = elExecAs(c, file, argv, clearEnv)
	code := ExitNoExec
	if errors.Is(err, syscall.ENOENT) {
		code = ExitNoProg
	}
	return elDieSys(c, code, err, "exec %s", file)
}

func tryexecMain(c *Ctx) int {
	const usage = "tryexec [ -n ] [ -c ] [ -l ] [ -a argv0 ] { command... } remainder..."
	opts, argv, err := getopt.Parse(c.Args, "ncla:")
	if err != nil {
		return elUsage(c, usage)
	}
	not, clearEnv, dash, hasArgv0 := false, false, false, false
	argv0 := ""
	for _, o := range opts {
		switch o.Letter {
		case 'n':
			not = true
		case 'c':
			clearEnv = true
		case 'l':
			dash = true
		case 'a':
			argv0, hasArgv0 = o.Value, true
		}
	}
	n, code := elFirstBlock(c, argv, true)
	if code >= 0 {
		return code
	}
	if not && n == len(argv)-1 {
		return c.Fatal(ExitUsage, "empty remainder not allowed with -n")
	}
	dom, sub := argv[:n], argv[n+1:]
	if not {
		dom, sub = sub, dom
	}
	file := dom[0]
	dom = append([]string(nil), dom...)
	if hasArgv0 {
		dom[0] = argv0
	}
	if dash {
		dom[0] = "-" + dom[0]
	}
	if len(sub) == 0 {
		// Nothing to fall back on: an in-process attempt could not return.
		elExecAs(c, file, dom, clearEnv)
		return 0
	}
	if path, err := c.LookProgram(file); err == nil {
		env := os.Environ()
		if clearEnv {
			env = nil
		}
		syscall.Exec(path, dom, env)
	}
	return elExec(c, sub)
}

// elCodes parses an -o/-x list of exit codes as skalibs' ushort_scanlist
// does: numbers separated by any of ",:; \t\r\n", each read while it fits
// in 16 bits ("70000" is 7000 then 0), up to 256 of them; reading stops at
// the first other byte. Only a list that does not start with a number is
// refused.
func elCodes(s string) ([]int, bool) {
	var out []int
	pos := 0
	for pos < len(s) && len(out) < 256 {
		v, w := elScanPrefix(s[pos:], 10, 65535)
		if w == 0 {
			break
		}
		out = append(out, int(v))
		pos += w
		for pos < len(s) && strings.IndexByte(",:; \t\r\n", s[pos]) >= 0 {
			pos++
		}
	}
	return out, pos > 0
}

func codeIn(list []int, code int) bool {
	for _, x := range list {
		if uint16(x) == uint16(code) {
			return true
		}
	}
	return false
}

func loopwhilexMain(c *Ctx) int {
	const usage = "loopwhilex [ -n ] [ -o okcode,okcode,... | -x exitcode,exitcode,... ] prog..."
	opts, argv, err := getopt.Parse(c.Args, "no:x:")
	if err != nil {
		return elUsage(c, usage)
	}
	not, rev := false, false
	var codes []int
	for _, o := range opts {
		switch o.Letter {
		case 'n':
			not = true
		case 'o', 'x':
			rev = o.Letter == 'x'
			l, ok := elCodes(o.Value)
			if !ok {
				return elUsage(c, usage)
			}
			codes = l
		}
	}
	if len(argv) == 0 {
		return elUsage(c, usage)
	}
	if len(codes) == 0 {
		codes = []int{0}
	} else if rev {
		not = !not
	}
	for {
		ws, err := elRun(c, argv)
		if err != nil {
			if errors.Is(err, syscall.ENOENT) && argv[0] != "" && argv[0][0] == ' ' {
				return c.Fatal(ExitSystem, "unable to spawn %s: name begins with a space, are you trying to spawn a block as your loop body?", argv[0])
			}
			return elDieSys(c, ExitSystem, err, "spawn %s", argv[0])
		}
		if not == codeIn(codes, elEstatus(ws)) {
			return elEstatus(ws)
		}
	}
}

func forxMain(c *Ctx) int {
	const usage = "forx [ -E | -e ] [ -p ] [ -o okcode,okcode,... | -x breakcode,breakcode,... ] var { values... } command..."
	opts, argv, err := getopt.Parse(c.Args, "po:x:Ee")
	if err != nil {
		return elUsage(c, usage)
	}
	l := &elLoop{not: true}
	for _, o := range opts {
		if _, ok := l.option(o); !ok {
			return elUsage(c, usage)
		}
	}
	if code := l.setName(c, argv, usage); code >= 0 {
		return code
	}
	argv = argv[1:]
	n, code := elFirstBlock(c, argv, false)
	if code >= 0 {
		return code
	}
	if n == 0 || n+1 == len(argv) {
		return 0
	}
	l.cmd = argv[n+1:]
	for _, v := range argv[:n] {
		if code := l.step(c, v); code >= 0 {
			return code
		}
	}
	good := true
	pids, not, codes := l.pids, l.not, l.codes
	for len(pids) > 0 {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return elDieSys(c, ExitSystem, err, "waitn")
		}
		for i, p := range pids {
			if p == pid {
				if not == codeIn(codes, elEstatus(ws)) {
					good = false
				}
				pids = append(pids[:i], pids[i+1:]...)
				break
			}
		}
	}
	if !good {
		return 1
	}
	return 0
}

// elLoop is one run of forx's or forstdin's body per value.
type elLoop struct {
	cmd      []string
	name     string
	doImport bool
	par      bool  // -p: all at once, waited for at the end
	not      bool  // codes are -x break codes, not -o ok codes
	codes    []int // -o/-x list
	pids     []int // children started with -p
}

// option applies one of the options forx and forstdin share: -p, -o or -x
// with a list of codes, -E or -e. It reports whether o is one of them, and
// ok false for a bad list of codes.
func (l *elLoop) option(o getopt.Opt) (shared, ok bool) {
	switch o.Letter {
	case 'p':
		l.par = true
	case 'o', 'x':
		codes, ok := elCodes(o.Value)
		if !ok {
			return true, false
		}
		l.not, l.codes = o.Letter == 'x', codes
	case 'E', 'e':
		l.doImport = o.Letter == 'E'
	default:
		return false, true
	}
	return true, true
}

// setName takes the loop variable from argv[0], which must be followed by
// at least one word; it returns an exit code (>= 0) after the usage or
// "invalid variable name" message.
func (l *elLoop) setName(c *Ctx, argv []string, usage string) int {
	if len(argv) < 2 {
		return elUsage(c, usage)
	}
	if argv[0] == "" || strings.Contains(argv[0], "=") {
		return c.Fatal(ExitUsage, "invalid variable name")
	}
	l.name = argv[0]
	return -1
}

// step runs the body with name=v. With -p it only records the child;
// otherwise it waits, and an exit code that ends the loop comes back
// (>= 0), as does a failure to spawn or wait after its message.
func (l *elLoop) step(c *Ctx, v string) int {
	pid, err := elModifSpawn(c, l.cmd, l.name, v, l.doImport)
	if err != nil {
		return elDieSys(c, ExitSystem, err, "spawn %s", l.cmd[0])
	}
	if l.par {
		l.pids = append(l.pids, pid)
		return -1
	}
	ws, err := elWait(pid)
	if err != nil {
		return elDieSys(c, ExitSystem, err, "wait for %s", l.cmd[0])
	}
	if l.not == codeIn(l.codes, elEstatus(ws)) {
		return elEstatus(ws)
	}
	return -1
}

func forstdinMain(c *Ctx) int {
	const usage = "forstdin [ -E | -e ] [ -p | -o okcode,okcode,... | -x breakcode,breakcode,... ] [ -N | -n ] [ -C | -c ] [ -0 | -d delim ] var command..."
	opts, argv, err := getopt.Parse(c.Args, "pNnCc0d:o:x:Ee")
	if err != nil {
		return elUsage(c, usage)
	}
	chomp, crunch, netstr := true, false, false
	delim := "\n"
	l := &elLoop{not: true}
	for _, o := range opts {
		if shared, ok := l.option(o); !ok {
			return elUsage(c, usage)
		} else if shared {
			continue
		}
		switch o.Letter {
		case 'N':
			chomp = false
		case 'n':
			chomp = true
		case 'C':
			crunch = true
		case 'c':
			crunch = false
		case '0':
			netstr, delim = false, "\x00"
		case 'd':
			delim = o.Value
			netstr = delim == ""
		}
	}
	if code := l.setName(c, argv, usage); code >= 0 {
		return code
	}
	l.cmd = argv[1:]
	r := &elRecordReader{fd: 0}
	eof := 1
	for {
		var v string
		var ok bool
		var err error
		if netstr {
			v, ok, err = r.netstring()
			if err != nil {
				return elDieSys(c, ExitSystem, err, "netstring_get")
			}
		} else {
			var whole bool
			v, whole, ok, err = r.record(delim)
			if err != nil {
				return elDieSys(c, ExitSystem, err, "skagetlnsep")
			}
			if ok && !whole && chomp {
				ok = false // a last record without its delimiter is dropped
			}
			if ok && crunch && len(v) == 1 {
				continue
			}
			if ok && chomp {
				v = v[:len(v)-1]
			}
		}
		if !ok {
			break
		}
		eof = 0
		if code := l.step(c, v); code >= 0 {
			return code
		}
	}
	for _, p := range l.pids {
		elWait(p)
	}
	return eof
}

// elRecordReader reads records from a descriptor as they arrive, never
// more than one read ahead of what it returns.
type elRecordReader struct {
	fd  int
	buf []byte
	eof bool
}

// fill reads once more; it reports false at end of file.
func (r *elRecordReader) fill() (bool, error) {
	if r.eof {
		return false, nil
	}
	var b [4096]byte
	for {
		n, err := syscall.Read(r.fd, b[:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false, err
		}
		if n == 0 {
			r.eof = true
			return false, nil
		}
		r.buf = append(r.buf, b[:n]...)
		return true, nil
	}
}

// record returns the next record up to and including a byte of delim;
// whole is false for a last record without one, ok false at the end.
func (r *elRecordReader) record(delim string) (v string, whole, ok bool, err error) {
	scanned := 0
	for {
		if k := strings.IndexAny(string(r.buf[scanned:]), delim); k >= 0 {
			v = string(r.buf[:scanned+k+1])
			r.buf = r.buf[scanned+k+1:]
			return v, true, true, nil
		}
		scanned = len(r.buf)
		more, err := r.fill()
		if err != nil {
			return "", false, false, err
		}
		if !more {
			v = string(r.buf)
			r.buf = nil
			return v, false, v != "", nil
		}
	}
}

// netstring returns the next netstring's payload; ok is false at a clean
// end. A netstring cut short is EPIPE, a malformed one EPROTO.
func (r *elRecordReader) netstring() (v string, ok bool, err error) {
	need := func(n int) error {
		for len(r.buf) < n {
			more, err := r.fill()
			if err != nil {
				return err
			}
			if !more {
				return syscall.EPIPE
			}
		}
		return nil
	}
	colon := -1
	for colon < 0 {
		if colon = strings.IndexByte(string(r.buf), ':'); colon >= 0 {
			break
		}
		more, err := r.fill()
		if err != nil {
			return "", false, err
		}
		if !more {
			if len(r.buf) == 0 {
				return "", false, nil
			}
			return "", false, syscall.EPIPE
		}
	}
	n, valid := elUint(string(r.buf[:colon]))
	if !valid {
		return "", false, syscall.EPROTO
	}
	total := colon + 1 + int(n) + 1
	if err := need(total); err != nil {
		return "", false, err
	}
	if r.buf[total-1] != ',' {
		return "", false, syscall.EPROTO
	}
	v = string(r.buf[colon+1 : total-1])
	r.buf = r.buf[total:]
	return v, true, nil
}

func forbacktickxMain(c *Ctx) int {
	const usage = "forbacktickx [ -p | -o okcode,okcode,... | -x breakcode,breakcode,... ] [ -E | -e ] [ -N | -n ] [ -C | -c ] [ -0 | -d delim ] var { backtickcmd... } command..."
	opts, argv, err := getopt.Parse(c.Args, "pNnCc0d:o:x:Ee")
	if err != nil {
		return elUsage(c, usage)
	}
	// Its options are forstdin's: they are checked here (a bad code list is
	// forbacktickx's usage error) and passed on as they came, in order.
	var pass []string
	for _, o := range opts {
		pass = append(pass, "-"+string(o.Letter))
		switch o.Letter {
		case 'o', 'x':
			if _, ok := elCodes(o.Value); !ok {
				return elUsage(c, usage)
			}
			pass = append(pass, o.Value)
		case 'd':
			pass = append(pass, o.Value)
		}
	}
	if len(argv) < 2 || argv[0] == "" {
		return elUsage(c, usage)
	}
	if argv[1] == "" {
		return c.Fatal(ExitUsage, "empty block")
	}
	fd, err := syscall.Dup(0)
	if err != nil && err != syscall.EBADF {
		return elDieSys(c, ExitSystem, err, "dup stdin")
	}
	nv := []string{"pipeline", "--"}
	i := 1
	for i < len(argv) && argv[i] != "" {
		nv = append(nv, argv[i])
		i++
	}
	if i == len(argv) {
		return c.Fatal(ExitUsage, "unterminated block")
	}
	nv = append(nv, "", "unexport", "!", "forstdin")
	nv = append(nv, pass...)
	nv = append(nv, "--", argv[0])
	if err != nil {
		nv = append(nv, "fdclose", "0")
	} else {
		nv = append(nv, "fdmove", "0", strconv.Itoa(fd))
	}
	nv = append(nv, argv[i+1:]...)
	return elExecApplet(c, nv)
}
