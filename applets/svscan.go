package applets

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"s6box/core/memtrim"
	"s6box/core/reaper"
	"s6box/core/scanner"
)

// svscanOpts is svscan's command line.
type svscanOpts struct {
	cfg       scanner.Config
	process   bool   // -P / -p: one supervise process per service
	superProg string // -p PROG
}

func parseSvscan(c *Ctx) (*svscanOpts, int, bool) {
	opts, rest, code, ok := c.Getopt("c:C:L:t:d:X:Pp:")
	if !ok {
		return nil, code, false
	}
	o := &svscanOpts{cfg: scanner.Config{NotifyFd: -1, ConsoleFd: -1}}
	num := func(letter byte, v string, lo, hi int) (int, bool) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.UsageFail(fmt.Sprintf("-%c needs a non-negative integer, not %q", letter, v))
			return 0, false
		}
		return min(max(n, lo), hi), true
	}
	for _, op := range opts {
		var ok bool
		switch op.Letter {
		case 'c': // 2.11: main services; each may have a logger
			var n int
			n, ok = num('c', op.Value, 2, scanner.MaxMaxServices/2)
			o.cfg.MaxServices = 2 * n
		case 'C':
			o.cfg.MaxServices, ok = num('C', op.Value, scanner.MinMaxServices, scanner.MaxMaxServices)
		case 'L':
			o.cfg.NameMax, ok = num('L', op.Value, scanner.MinNameMax, scanner.MaxNameMax)
		case 't':
			var ms int
			ms, ok = num('t', op.Value, 0, 1<<31-1)
			o.cfg.RescanInterval = time.Duration(ms) * time.Millisecond
		case 'd':
			o.cfg.NotifyFd, ok = fdOption(c, 'd', op.Value)
		case 'X':
			o.cfg.ConsoleFd, ok = fdOption(c, 'X', op.Value)
		case 'P':
			o.process, ok = true, true
		case 'p':
			o.process, o.superProg, ok = true, op.Value, op.Value != ""
			if !ok {
				c.UsageFail("-p needs a program")
			}
		}
		if !ok {
			return nil, ExitUsage, false
		}
	}
	o.cfg.Dir = "."
	if len(rest) > 0 {
		o.cfg.Dir = rest[0]
	}
	return o, 0, true
}

// fdOption checks an -d/-X descriptor: at least 3 and open.
func fdOption(c *Ctx, letter byte, v string) (int, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 3 {
		c.UsageFail(fmt.Sprintf("-%c needs a file descriptor number of at least 3, not %q", letter, v))
		return -1, false
	}
	if _, err := fcntlGetfd(n); err != nil {
		c.UsageFail(fmt.Sprintf("-%c %d: descriptor is not open", letter, n))
		return -1, false
	}
	syscall.CloseOnExec(n)
	return n, true
}

func fcntlGetfd(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// settleDelay is how long after start-up a long-lived applet releases the
// memory it only needed to start (see core/memtrim).
const settleDelay = 2 * time.Second

// trimMaxWait bounds how long svscan's release waits for a burst of starts
// to end (a service restarting in a loop never ends one).
const trimMaxWait = 20 * time.Second

func svscanMain(c *Ctx) int {
	o, code, ok := parseSvscan(c)
	if !ok {
		return code
	}
	logf := func(level, format string, args ...any) {
		fmt.Fprintf(c.Stderr, "%s: %s: %s\n", c.Prog, level, Message(format, args...))
	}
	r := reaper.Start(nil) // orphans (as pid 1) are reaped and dropped
	o.cfg.Reaper = r
	o.cfg.Logf = logf
	// settleDelay after the last scan that started supervisors or the last
	// daemon started (the first scan, or s6-rc handing over services and
	// starting them later), give back the start-up-only pages of the binary
	// and heap: most of the scanner's fixed memory cost.
	trim := memtrim.After(settleDelay, trimMaxWait)
	o.cfg.Started = func(int) { trim.Touch() }
	if !o.process {
		o.cfg.Host = newInProcessHost(r, c.Self(), logf, trim)
	}
	if o.cfg.Host == nil {
		prog, argv0 := c.Self(), "supervise"
		if strings.HasPrefix(c.Prog, "s6-") {
			argv0 = "s6-supervise"
		}
		if o.superProg != "" {
			prog, argv0 = o.superProg, "s6-supervise"
		}
		o.cfg.Host = &scanner.ProcessHost{Reaper: r, Prog: prog, Argv0: argv0}
	}
	s, err := scanner.New(o.cfg)
	if err != nil {
		if errors.Is(err, scanner.ErrUsage) {
			return c.Fatal(ExitUsage, "%s", strings.TrimPrefix(err.Error(), scanner.ErrUsage.Error()+": "))
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	if ph, ok := o.cfg.Host.(*scanner.ProcessHost); ok {
		ph.Cwd, _ = os.Getwd()
	}
	s.Run()
	return svscanFinish(c)
}

// svscanFinish execs .s6-svscan/finish (no arguments); if there is none,
// exit 0. If it exists but cannot be run, the crash script takes over.
func svscanFinish(c *Ctx) int {
	const finish = ".s6-svscan/finish"
	err := syscall.Exec(finish, []string{finish}, os.Environ())
	if errors.Is(err, syscall.ENOENT) {
		return 0
	}
	c.Warn("unable to exec %s: %v", finish, err)
	const crash = ".s6-svscan/crash"
	err = syscall.Exec(crash, []string{crash}, os.Environ())
	return c.Fatal(ExitSystem, "unable to exec %s: %v", crash, err)
}
