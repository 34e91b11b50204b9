package applets

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/accessrules"
	"s6box/core/cdb"
	"s6box/core/fdholder"
	"s6box/core/tai64n"
	"s6box/logger/ere"
)

// fdholderDaemonMain: s6-fdholder-daemon rewrites its command line into
// s6-ipcserver-socketbinder [s6-applyuidgid] s6-fdholderd.
func fdholderDaemonMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("Dd1Uv:c:n:b:u:g:G:t:T:i:x:")
	if !ok {
		return code
	}
	var binder, ids, daemon []string
	reuse, flagU, haveIDs := true, false, false
	rules := []string{}
	for _, o := range opts {
		switch o.Letter {
		case 'D':
			reuse = false
		case 'd':
			reuse = true
		case '1':
			daemon = append(daemon, "-1")
		case 'U':
			flagU, ids, haveIDs = true, nil, false
		case 'v', 'c', 'n', 'b', 'u', 'g', 't', 'T':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			if (o.Letter == 'c' || o.Letter == 'n') && n == 0 {
				n = 1
			}
			v := strconv.Itoa(n)
			switch o.Letter {
			case 'b':
				binder = append(binder, "-b", v)
			case 'u', 'g':
				if n != 0 {
					ids, haveIDs = append(ids, "-"+string(o.Letter), v), true
				}
			case 'v':
				if n != 1 {
					daemon = append(daemon, "-v", v)
				}
			case 't', 'T':
				if n != 0 {
					daemon = append(daemon, "-"+string(o.Letter), v)
				}
			default:
				daemon = append(daemon, "-"+string(o.Letter), v)
			}
		case 'G':
			if _, ok := parseGidlist(o.Value); !ok && o.Value != "" {
				return c.UsageFail("invalid -G value: " + o.Value)
			}
			ids, haveIDs = append(ids, "-G", o.Value), true
		case 'i', 'x':
			rules = []string{"-" + string(o.Letter), o.Value}
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	if len(rules) == 0 {
		return c.Fatal(ExitUsage, "no access rights specified!")
	}
	argv := []string{"s6-ipcserver-socketbinder"}
	if !reuse {
		argv = append(argv, "-D")
	}
	argv = append(append(argv, binder...), "--", rest[0])
	if flagU || haveIDs {
		argv = append(argv, c.selfArgv("s6-applyuidgid")...)
		if flagU {
			argv = append(argv, "-Uz")
		}
		argv = append(append(argv, ids...), "--")
	}
	argv = append(argv, c.selfArgv("s6-fdholderd")...)
	argv = append(append(argv, daemon...), rules...)
	return c.execSelf(argv)
}

type ereMatcher struct{ re *ere.Regexp }

func (m ereMatcher) MatchString(s string) bool { return m.re.MatchString(s) }

// fdholderdMain: s6-fdholderd [ -v verbosity ] [ -1 ] [ -c maxconn ]
// [ -n maxfds ] [ -t timeout ] [ -T lameducktimeout ] [ -i rulesdir | -x rulesfile ]
func fdholderdMain(c *Ctx) int {
	opts, _, code, ok := c.Getopt("v:1c:n:i:x:t:T:")
	if !ok {
		return code
	}
	verbosity, flag1, lameDuck := 1, false, 0
	cfg := fdholder.Config{MaxConn: 16, MaxFDs: 1000}
	var rulesType byte
	var rules string
	for _, o := range opts {
		switch o.Letter {
		case '1':
			flag1 = true
		case 'i', 'x':
			rulesType, rules = o.Letter, o.Value
		default:
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			switch o.Letter {
			case 'v':
				verbosity = n
			case 'c':
				cfg.MaxConn = n
			case 'n':
				cfg.MaxFDs = n
			case 't':
				cfg.Timeout = time.Duration(n) * time.Millisecond
			case 'T':
				lameDuck = n
			}
		}
	}
	if rulesType == 0 {
		return c.Fatal(ExitUsage, "no access rights specified!")
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return c.Fatal(ExitSystem, "unable to getrlimit: %v", err)
	}
	if lim.Cur != unix.RLIM_INFINITY {
		if lim.Cur < 7 {
			return c.Fatal(ExitSystem, "open file limit too low")
		}
		if uint64(cfg.MaxFDs) > lim.Cur {
			cfg.MaxFDs = int(lim.Cur) - 6
		}
	}
	ln, code := stdinListener(c, flag1)
	if ln == nil {
		return code
	}
	var backend atomic.Value
	if rulesType == 'i' {
		backend.Store(accessrules.Backend(accessrules.Dir(rules)))
	} else {
		db, err := cdb.Open(rules)
		if err != nil {
			return c.Fatal(ExitSystem, "unable to cdb_init %s: %v", rules, err)
		}
		backend.Store(accessrules.Backend(accessrules.CDB{DB: db}))
	}
	cfg.Rules = func() accessrules.Backend { return backend.Load().(accessrules.Backend) }
	cfg.Compile = func(s string) (fdholder.Matcher, error) {
		re, err := ere.Compile(s)
		if err != nil {
			return nil, err
		}
		return ereMatcher{re}, nil
	}
	cfg.Log = func(level int, msg string) {
		if level <= verbosity {
			fmt.Fprintf(c.Stderr, "%s: %s\n", c.Prog, msg)
		}
	}
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	stop := make(chan struct{})
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGTERM {
				close(stop)
				return
			}
			if rulesType == 'x' {
				if db, err := cdb.Open(rules); err == nil {
					backend.Store(accessrules.Backend(accessrules.CDB{DB: db}))
				} else {
					cfg.Log(1, "warning: unable to reload "+rules+": "+err.Error())
				}
			}
		}
	}()
	srv := fdholder.NewServer(cfg)
	if flag1 {
		unix.Write(1, []byte("\n"))
		unix.Close(1)
	}
	return srv.Serve(ln, stop, time.Duration(lameDuck)*time.Millisecond)
}

// fdholderClient parses "-t timeout" style options common to the clients
// and connects; spec is the getopt string.
func fdholderConnect(c *Ctx, path string, timeout int) (*fdholder.Client, int) {
	cl, err := fdholder.Dial(path)
	if err != nil {
		return nil, c.Fatal(ExitSystem, "unable to connect to a fd-holder daemon at %s: %v", path, errors.Unwrap(err))
	}
	cl.SetDeadline(deadline(timeout))
	return cl, 0
}

// infinite is skalibs' "no limit": now plus 2^61 seconds.
func infinite() tai64n.Stamp {
	now := tai64n.Now()
	now.Sec += 1 << 61
	return now
}

// fdholderArgs is the options of an fd holder client, then its operands
// (at least minArgs) and a connection to the holder named by the first.
type fdholderArgs struct {
	t, T, fd int
	del      bool
	rest     []string
	cl       *fdholder.Client
}

func fdholderClientStart(c *Ctx, spec string, minArgs int) (fdholderArgs, int) {
	var a fdholderArgs
	var code int
	var ok bool
	a.t, a.T, a.fd, a.del, a.rest, code, ok = fdholderOpts(c, spec)
	if !ok {
		return a, code
	}
	if len(a.rest) < minArgs {
		return a, c.UsageFail("")
	}
	a.cl, code = fdholderConnect(c, a.rest[0], a.t)
	return a, code
}

func fdholderOpts(c *Ctx, spec string) (t, T, fd int, del bool, rest []string, code int, ok bool) {
	opts, rest, code, ok := c.Getopt(spec)
	if !ok {
		return 0, 0, 0, false, nil, code, false
	}
	for _, o := range opts {
		if o.Letter == 'D' {
			del = true
			continue
		}
		n, good := parseUint(o.Value)
		if !good {
			return 0, 0, 0, false, nil, c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value), false
		}
		switch o.Letter {
		case 't':
			t = n
		case 'T':
			T = n
		case 'd':
			fd = n
		}
	}
	return t, T, fd, del, rest, 0, true
}

// fdholderStoreMain: s6-fdholder-store [ -d fd ] [ -t timeout ] [ -T fdtimeout ] socket id
func fdholderStoreMain(c *Ctx) int {
	a, code := fdholderClientStart(c, "d:t:T:", 2)
	if a.cl == nil {
		return code
	}
	cl, rest := a.cl, a.rest
	limit := infinite()
	if a.T > 0 {
		limit = tai64n.FromTime(time.Now().Add(time.Duration(a.T) * time.Millisecond))
	}
	defer cl.Close()
	if err := cl.Store(a.fd, rest[1], limit); err != nil {
		return c.Fatal(1, "unable to store fd: %v", err)
	}
	return 0
}

// fdholderRetrieveMain: s6-fdholder-retrieve [ -D ] [ -t timeout ] socket id prog...
func fdholderRetrieveMain(c *Ctx) int {
	a, code := fdholderClientStart(c, "Dt:", 3)
	if a.cl == nil {
		return code
	}
	cl, rest := a.cl, a.rest
	fd, err := cl.Retrieve(rest[1], a.del)
	cl.Close()
	if err != nil {
		return c.Fatal(1, "unable to retrieve fd for id %s: %v", rest[1], err)
	}
	if err := unix.Dup3(fd, 0, 0); err != nil {
		return c.Fatal(ExitSystem, "unable to move fd: %v", err)
	}
	if fd != 0 {
		unix.Close(fd)
	}
	return c.Exec(rest[2:])
}

// fdholderDeleteMain: s6-fdholder-delete [ -t timeout ] socket id
func fdholderDeleteMain(c *Ctx) int {
	a, code := fdholderClientStart(c, "t:", 2)
	if a.cl == nil {
		return code
	}
	cl, rest := a.cl, a.rest
	defer cl.Close()
	if err := cl.Delete(rest[1]); err != nil {
		return c.Fatal(1, "unable to delete fd for id %s: %v", rest[1], err)
	}
	return 0
}

// quoteID writes a name as s6 does: printable bytes as they are, others
// escaped.
func quoteID(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		ch := id[i]
		switch {
		case ch == '\\':
			b.WriteString(`\\`)
		case ch < 0x20 || ch >= 0x7f:
			fmt.Fprintf(&b, `\0x%02x`, ch)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// fdholderListMain: s6-fdholder-list [ -t timeout ] socket
func fdholderListMain(c *Ctx) int {
	a, code := fdholderClientStart(c, "t:", 1)
	if a.cl == nil {
		return code
	}
	cl := a.cl
	defer cl.Close()
	ids, err := cl.List()
	if err != nil {
		return c.Fatal(1, "unable to get fd list: %v", err)
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(quoteID(id))
		b.WriteByte('\n')
	}
	if _, err := c.Stdout.Write([]byte(b.String())); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %v", err)
	}
	return 0
}

// fdholderGetdumpMain: s6-fdholder-getdump [ -t timeout ] socket prog...
func fdholderGetdumpMain(c *Ctx) int {
	a, code := fdholderClientStart(c, "t:", 2)
	if a.cl == nil {
		return code
	}
	cl, rest := a.cl, a.rest
	dump, err := cl.GetDump()
	cl.Close()
	if err != nil {
		return c.Fatal(1, "unable to get dump: %v", err)
	}
	half := tai64n.Now()
	half.Sec += 1 << 60
	os.Setenv("S6_FD#", strconv.Itoa(len(dump)))
	for i, e := range dump {
		if _, err := unix.FcntlInt(uintptr(e.FD), unix.F_SETFD, 0); err != nil {
			return c.Fatal(ExitSystem, "unable to uncoe: %v", err)
		}
		n := strconv.Itoa(i)
		os.Setenv("S6_FD_"+n, strconv.Itoa(e.FD))
		os.Setenv("S6_FDID_"+n, e.ID)
		if e.Limit.Sec < half.Sec {
			os.Setenv("S6_FDLIMIT_"+n, e.Limit.String())
		} else {
			os.Unsetenv("S6_FDLIMIT_" + n)
		}
	}
	return c.Exec(rest[1:])
}

// dumpFromEnv reads the S6_FD# family of variables.
func dumpFromEnv(c *Ctx) ([]fdholder.Entry, int) {
	v, ok := os.LookupEnv("S6_FD#")
	if !ok {
		return nil, c.Fatal(ExitUsage, "S6_FD# not set")
	}
	n, ok := parseUint(v)
	if !ok {
		return nil, c.Fatal(ExitUsage, "invalid S6_FD#")
	}
	out := make([]fdholder.Entry, 0, min(n, 1024))
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		v, ok := os.LookupEnv("S6_FD_" + s)
		if !ok {
			return nil, c.Fatal(ExitUsage, "S6_FD_%s not set", s)
		}
		fd, ok := parseUint(v)
		if !ok {
			return nil, c.Fatal(ExitUsage, "invalid S6_FD_%s", s)
		}
		id, ok := os.LookupEnv("S6_FDID_" + s)
		if !ok {
			return nil, c.Fatal(ExitUsage, "S6_FDID_%s not set", s)
		}
		if fdholder.CheckID(id) != nil {
			return nil, c.Fatal(ExitUsage, "invalid S6_FDID_%s", s)
		}
		limit := infinite()
		if v, ok := os.LookupEnv("S6_FDLIMIT_" + s); ok {
			st, err := tai64n.Parse(v)
			if err != nil {
				return nil, c.Fatal(ExitUsage, "invalid S6_FDLIMIT_%s", s)
			}
			limit = st
		}
		out = append(out, fdholder.Entry{ID: id, FD: fd, Limit: limit})
	}
	return out, 0
}

// fdholderSetdumpMain: s6-fdholder-setdump [ -t timeout ] socket
func fdholderSetdumpMain(c *Ctx) int {
	a, code := fdholderClientStart(c, "t:", 1)
	if a.cl == nil {
		return code
	}
	cl := a.cl
	defer cl.Close()
	dump, code := dumpFromEnv(c)
	if code != 0 {
		return code
	}
	if err := cl.SetDump(dump); err != nil {
		return c.Fatal(1, "unable to set dump: %v", err)
	}
	return 0
}

// fdholderTransferdumpMain: s6-fdholder-transferdump [ -t timeoutfrom:timeoutto ] socketfrom socketto
func fdholderTransferdumpMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("t:")
	if !ok {
		return code
	}
	from, to := 0, 0
	for _, o := range opts {
		a, b, _ := strings.Cut(o.Value, ":")
		var ok1, ok2 bool
		if from, ok1 = parseUint(a); a == "" {
			from, ok1 = 0, strings.Contains(o.Value, ":")
		}
		if to, ok2 = parseUint(b); b == "" {
			to, ok2 = 0, true
		}
		if !ok1 || !ok2 {
			return c.UsageFail("invalid -t value: " + o.Value)
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	src, err := fdholder.Dial(rest[0])
	if err != nil {
		return c.Fatal(ExitSystem, "unable to connect to a source fd-holder daemon at %s: %v", rest[0], errors.Unwrap(err))
	}
	src.SetDeadline(deadline(from))
	dump, err := src.GetDump()
	src.Close()
	if err != nil {
		return c.Fatal(1, "unable to get dump: %v", err)
	}
	dst, err := fdholder.Dial(rest[1])
	if err != nil {
		return c.Fatal(ExitSystem, "unable to connect to a destination fd-holder daemon at %s: %v", rest[1], errors.Unwrap(err))
	}
	defer dst.Close()
	dst.SetDeadline(deadline(to))
	if err := dst.SetDump(dump); err != nil {
		return c.Fatal(1, "unable to set dump: %v", err)
	}
	return 0
}
