package applets

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"s6box/core/errtext"
	"s6box/core/fsutil"
	"s6box/core/signame"
	"s6box/core/svc"
	"s6box/core/svcwait"
)

// svcMain sends the command bytes to every servicedir. With -w it waits in
// this same process: subscribe to each event/ fifodir and read the status
// first, then write the commands, then wait, so no transition can be missed
// and no helper process is needed.
func svcMain(c *Ctx) int {
	opts, dirs, code, ok := c.Getopt("abqhkti12pcyroduDUxOQPCKls:w:T:")
	if !ok {
		return code
	}
	var cmds []byte
	var wait byte
	var timeout uint64
	for _, o := range opts {
		letter := o.Letter
		switch o.Letter {
		case 'T':
			n, err := strconv.ParseUint(o.Value, 10, 32)
			if err != nil {
				return c.UsageFail("invalid timeout: " + o.Value)
			}
			timeout = n
			continue
		case 'w':
			if len(o.Value) == 0 || !strings.ContainsRune("dDuUrR", rune(o.Value[0])) {
				return c.UsageFail("invalid -w argument: " + o.Value)
			}
			wait = o.Value[0]
			continue
		case 's':
			sig, ok := signame.Parse(o.Value)
			if !ok {
				return c.Fatal(ExitUsage, "invalid signal: %s", o.Value)
			}
			if letter, ok = signame.Letter(sig); !ok {
				return c.Fatal(ExitUsage, "%s is not in the list of user-available signals", o.Value)
			}
		}
		if len(cmds) >= svc.MaxCommands {
			return c.Fatal(ExitUsage, "too many commands")
		}
		cmds = append(cmds, letter)
	}
	if len(dirs) == 0 {
		return c.UsageFail("")
	}
	for _, d := range dirs {
		if d == "" {
			return c.Fatal(ExitUsage, "invalid service path")
		}
	}
	if wait == 0 {
		return svcSend(c, dirs, cmds)
	}
	if wait == 'U' || wait == 'R' {
		for _, d := range dirs {
			fn := filepath.Join(d, "notification-fd")
			if _, err := os.Stat(fn); err != nil {
				if !errors.Is(err, os.ErrNotExist) {
					return c.Fatal(ExitSystem, "unable to access %s: %v", fn, fsutil.Bare(err))
				}
				c.Warn("%s not present - ignoring request for readiness notification", fn)
				wait = strings.ToLower(string(wait))[0]
				break
			}
		}
	}
	return svcWait(c, dirs, cmds, wait, timeout)
}

// svcExit maps a control failure to an exit code: for one servicedir the
// 2.11 codes (100 not listening or bad supervise dir, 111 system), for
// several the 2.14 ones (102 not supervised, 1 bad supervise dir, 111).
func svcExit(err error, many bool) int {
	var se *svc.Error
	if !errors.As(err, &se) {
		return ExitSystem
	}
	switch se.Kind {
	case svc.NotListening:
		if many {
			return 102
		}
		return ExitUsage
	case svc.BadSuperviseDir:
		if many {
			return 1
		}
		return ExitUsage
	}
	return ExitSystem
}

// svcSend writes cmds to every dir; the last error decides the exit code.
func svcSend(c *Ctx, dirs []string, cmds []byte) int {
	code := 0
	many := len(dirs) > 1
	for _, d := range dirs {
		if err := svc.Write(d, cmds); err != nil {
			code = svcExit(err, many)
			if many {
				c.Warn("%v", svcErrText(err))
			} else {
				c.Fatal(code, "%v", svcErrText(err))
			}
		}
	}
	if many && code != 0 {
		c.Fatal(code, "unable to control every service")
	}
	return code
}

func svcErrText(err error) string {
	var se *svc.Error
	if errors.As(err, &se) && se.Kind == svc.System {
		return "unable to control " + se.Dir + ": " + errtext.Libc(fsutil.Bare(se.Err))
	}
	return err.Error()
}

// svcWait implements -w: without commands it waits like svwait, with
// commands like svlisten1 (one dir) or svlisten (several).
func svcWait(c *Ctx, dirs []string, cmds []byte, wait byte, timeoutMs uint64) int {
	r := svcwait.Request{Dirs: dirs, Letter: wait, Mode: svcwait.One}
	if timeoutMs > 0 {
		r.Deadline = time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	}
	switch {
	case len(cmds) == 0:
		r.Mode = svcwait.AllWait
	case len(dirs) > 1:
		r.Mode = svcwait.Many
	}
	var send func() error
	sendCode := 0
	if len(cmds) > 0 {
		send = func() error {
			if sendCode = svcSend(c, dirs, cmds); sendCode != 0 {
				return errControlFailed // svcSend has said why
			}
			return nil
		}
	}
	err := svcwait.Run(r, send)
	if errors.Is(err, errControlFailed) {
		return sendCode
	}
	return listenExit(c, err)
}

var errControlFailed = errors.New("unable to control the services")
