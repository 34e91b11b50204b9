package applets

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/core/ipc"
	"s6box/core/superserver"
)

// execSelf runs argv, whose argv[0] names one of this binary's applets, as
// s6 runs its own programs by absolute path: in this process when both are
// chain-loaders, else by exec'ing this very executable (never another
// program of that name found in PATH).
func (c *Ctx) execSelf(argv []string) int {
	self := c.Self()
	if self == "" {
		return c.Exec(argv)
	}
	if next := c.chainNext(argv, self); next != nil {
		return next.Applet.Main(next)
	}
	err := syscall.Exec(self, argv, os.Environ())
	return c.Fatal(ExitNoExec, "unable to exec %s: %v", argv[0], err)
}

// selfArgv starts the command line of one of this binary's applets for a
// later exec in the chain: the binary's own path and the applet's name, so
// that PATH (which may list s6's program of the same name first) is not
// consulted.
func (c *Ctx) selfArgv(name string) []string {
	if self := c.Self(); self != "" {
		return []string{self, name}
	}
	return []string{name}
}

// parseUint is skalibs' uint0_scan: decimal digits only.
func parseUint(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 31)
	return int(n), err == nil
}

// ipcserverMain: s6-ipcserver rewrites its command line into
// s6-ipcserver-socketbinder [s6-applyuidgid] s6-ipcserverd prog...
func ipcserverMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("qQvDd1UPpc:C:b:a:u:g:G:")
	if !ok {
		return code
	}
	verbosity, flag1, flagU, lookup, reuse := 1, false, false, true, true
	var maxconn, localmax, uid, gid string
	backlog, perms, gidlist, haveGids := "", "", "", false
	for _, o := range opts {
		switch o.Letter {
		case 'q':
			verbosity = 0
		case 'Q':
			verbosity = 1
		case 'v':
			verbosity = 2
		case 'D':
			reuse = false
		case 'd':
			reuse = true
		case 'P':
			lookup = false
		case 'p':
			lookup = true
		case '1':
			flag1 = true
		case 'U':
			flagU, uid, gid, haveGids = true, "", "", false
		case 'c', 'C', 'b', 'u', 'g':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			if (o.Letter == 'c' || o.Letter == 'C' || o.Letter == 'b') && n == 0 {
				n = 1
			}
			v := strconv.Itoa(n)
			switch o.Letter {
			case 'c':
				maxconn = v
			case 'C':
				localmax = v
			case 'b':
				backlog = v
			case 'u':
				if n != 0 {
					uid = v
				}
			case 'g':
				if n != 0 {
					gid = v
				}
			}
		case 'a':
			n, err := strconv.ParseUint(o.Value, 8, 32)
			if err != nil {
				return c.UsageFail("invalid -a value: " + o.Value)
			}
			if n&0o777 != 0o777 {
				perms = "0" + strconv.FormatUint(n&0o777, 8)
			}
		case 'G':
			if _, ok := parseGidlist(o.Value); !ok && o.Value != "" {
				return c.UsageFail("invalid -G value: " + o.Value)
			}
			gidlist, haveGids = o.Value, true
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	argv := []string{"s6-ipcserver-socketbinder"}
	if !reuse {
		argv = append(argv, "-D")
	}
	if backlog != "" {
		argv = append(argv, "-b", backlog)
	}
	if perms != "" {
		argv = append(argv, "-a", perms)
	}
	argv = append(argv, "--", rest[0])
	if flagU || uid != "" || gid != "" || haveGids {
		argv = append(argv, c.selfArgv("s6-applyuidgid")...)
		if flagU {
			argv = append(argv, "-Uz")
		}
		if uid != "" {
			argv = append(argv, "-u", uid)
		}
		if gid != "" {
			argv = append(argv, "-g", gid)
		}
		if haveGids {
			argv = append(argv, "-G", gidlist)
		}
		argv = append(argv, "--")
	}
	argv = append(argv, c.selfArgv("s6-ipcserverd")...)
	switch verbosity {
	case 0:
		argv = append(argv, "-v0")
	case 2:
		argv = append(argv, "-v2")
	}
	if flag1 {
		argv = append(argv, "-1")
	}
	if !lookup {
		argv = append(argv, "-P")
	}
	if maxconn != "" {
		argv = append(argv, "-c", maxconn)
	}
	if localmax != "" {
		argv = append(argv, "-C", localmax)
	}
	argv = append(argv, "--")
	return c.execSelf(append(argv, rest[1:]...))
}

// socketbinderMain: s6-ipcserver-socketbinder [ -d | -D ] [ -b backlog ]
// [ -M | -m ] [ -a perms ] [ -B ] path prog...
func socketbinderMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("DdMmBb:a:")
	if !ok {
		return code
	}
	o := ipc.BindOptions{Perms: 0o777, Backlog: -1}
	for _, op := range opts {
		switch op.Letter {
		case 'D':
			o.NoReuse = true
		case 'd':
			o.NoReuse = false
		case 'M':
			o.Dgram = false
		case 'm':
			o.Dgram = true
		case 'B':
			o.Blocking = true
		case 'b':
			n, ok := parseUint(op.Value)
			if !ok {
				return c.UsageFail("invalid backlog: " + op.Value)
			}
			o.Backlog = n
		case 'a':
			n, err := strconv.ParseUint(op.Value, 8, 32)
			if err != nil {
				return c.UsageFail("invalid permissions: " + op.Value)
			}
			o.Perms = uint32(n)
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	unix.Close(0)
	fd, err := ipc.Bind(rest[0], o)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Op == "listen" {
			return c.Fatal(ExitSystem, "unable to listen to %s: %v", rest[0], pe.Err)
		}
		return c.Fatal(ExitSystem, "unable to bind to %s: %v", rest[0], err)
	}
	if fd != 0 {
		if err := unix.Dup3(fd, 0, 0); err != nil {
			return c.Fatal(ExitSystem, "unable to move the socket to stdin: %v", err)
		}
		unix.Close(fd)
	} else if _, err := unix.FcntlInt(0, unix.F_SETFD, 0); err != nil {
		return c.Fatal(ExitSystem, "unable to make the socket inheritable: %v", err)
	}
	return c.Exec(rest[1:])
}

// stdinListener takes the listening socket a server gets as its stdin, and
// checks stdout for -1 (closing it otherwise), as s6's daemons do.
func stdinListener(c *Ctx, flag1 bool) (*ipc.Listener, int) {
	ln, err := ipc.ListenerOn(0, "stdin")
	if err != nil {
		if errors.Is(err, ipc.ErrNotSocket) {
			return nil, c.Fatal(ExitUsage, "stdin is not a socket")
		}
		return nil, c.Fatal(ExitSystem, "unable to use stdin: %v", err)
	}
	if flag1 {
		if _, err := unix.FcntlInt(1, unix.F_GETFD, 0); err != nil {
			return nil, c.Fatal(ExitUsage, "called with option -1 but stdout said: %v", err)
		}
	} else {
		unix.Close(1)
	}
	return ln, 0
}

// ipcserverdMain: s6-ipcserverd [ -1 ] [ -v verbosity ] [ -P | -p ]
// [ -c maxconn ] [ -C localmaxconn ] prog...
func ipcserverdMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("Pp1c:C:v:")
	if !ok {
		return code
	}
	cfg := superserver.Config{MaxConn: 40, LocalMaxConn: 40}
	verbosity, flag1 := 1, false
	for _, o := range opts {
		switch o.Letter {
		case 'P':
			cfg.NoCreds = true
		case 'p':
			cfg.NoCreds = false
		case '1':
			flag1 = true
		case 'c', 'C', 'v':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			switch o.Letter {
			case 'c':
				cfg.MaxConn = n
			case 'C':
				cfg.LocalMaxConn = n
			default:
				verbosity = n
			}
		}
	}
	if len(rest) == 0 || rest[0] == "" {
		return c.UsageFail("")
	}
	ln, code := stdinListener(c, flag1)
	if ln == nil {
		return code
	}
	path, err := c.LookProgram(rest[0])
	if err != nil {
		return c.Fatal(ExitNoProg, "unable to find %s: %v", rest[0], err)
	}
	cfg.Path, cfg.Argv = path, rest
	cfg.Env = superserver.BaseEnv(os.Environ())
	cfg.Log = func(level int, msg string) {
		if level <= verbosity {
			fmt.Fprintf(c.Stderr, "%s: %s\n", c.Prog, msg)
		}
	}
	signal.Ignore(syscall.SIGPIPE)
	events := make(chan os.Signal, 8)
	signal.Notify(events, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGABRT)
	srv := superserver.New(ln, cfg)
	if flag1 {
		unix.Write(1, []byte("\n"))
		unix.Close(1)
	}
	if err := srv.Run(events); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	if verbosity >= 2 {
		fmt.Fprintf(c.Stderr, "%s: info: exiting\n", c.Prog)
	}
	return 0
}
