package applets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"s6box/core/errtext"
	"s6box/core/svlink"
)

// linkOptions reads s6-svlink's and s6-instance-create's -d -D -f -P -t.
func linkOptions(c *Ctx) (o svlink.Options, deadline time.Time, rest []string, code int, ok bool) {
	opts, rest, code, ok := c.Getopt("dDfPt:")
	if !ok {
		return o, deadline, nil, code, false
	}
	for _, op := range opts {
		switch op.Letter {
		case 'd':
			o.Down, o.RemoveDown = true, true
		case 'D':
			o.Down, o.RemoveDown = true, false
		case 'f':
			o.ForceEvent = true
		case 'P':
			o.Public = true
		case 't':
			d, err := msDeadline(op.Value)
			if err != nil {
				return o, deadline, nil, c.UsageFail(""), false
			}
			deadline = d
		}
	}
	return o, deadline, rest, -1, true
}

// msDeadline turns a -t timeout in milliseconds into a deadline; 0 is
// none (the zero time).
func msDeadline(v string) (time.Time, error) {
	ms, err := parseMillis(v)
	if err != nil || ms == 0 {
		return time.Time{}, err
	}
	return time.Now().Add(time.Duration(ms) * time.Millisecond), nil
}

// unlinkOptions reads -X and -t for s6-svunlink and s6-instance-delete.
func unlinkOptions(c *Ctx) (wait bool, deadline time.Time, rest []string, code int, ok bool) {
	opts, rest, code, ok := c.Getopt("Xt:")
	if !ok {
		return false, deadline, nil, code, false
	}
	wait = true
	for _, op := range opts {
		switch op.Letter {
		case 'X':
			wait = false
		case 't':
			d, err := msDeadline(op.Value)
			if err != nil {
				return false, deadline, nil, c.UsageFail(""), false
			}
			deadline = d
		}
	}
	return wait, deadline, rest, -1, true
}

// svlinkMain links a service directory into a running scan directory and
// waits for its supervisor.
func svlinkMain(c *Ctx) int {
	o, deadline, rest, code, ok := linkOptions(c)
	if !ok {
		return code
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	scandir, dir := rest[0], rest[1]
	name := filepath.Base(strings.TrimRight(dir, "/"))
	if len(rest) > 2 {
		name = rest[2]
	}
	switch {
	case scandir == "":
		return c.Fatal(ExitUsage, "invalid scandir")
	case dir == "":
		return c.Fatal(ExitUsage, "invalid servicedir")
	case name == "" || name[0] == '.' || name[0] == '/':
		return c.Fatal(ExitUsage, "invalid name")
	}
	running, err := svlink.ScannerRunning(scandir)
	if err != nil {
		return c.Fatal(ExitSystem, "%s", s6Msg(err))
	}
	if !running {
		return c.Fatal(1, "s6-svscan not running on %s", scandir)
	}
	if code := checkServiceDir(c, dir); code >= 0 {
		return code
	}
	if err := svlink.Link(scandir, []string{dir}, []string{name}, o, deadline); err != nil {
		code := ExitSystem
		if errors.Is(err, svlink.ErrTimeout) {
			code, err = 99, syscall.ETIMEDOUT
		}
		return c.Fatal(code, "unable to link servicedir %s into scandir %s with name %s: %s", dir, scandir, name, errtext.Libc(err))
	}
	return 0
}

// checkServiceDir checks that dir (and dir/log if any) has an executable
// run, and warns when a supervisor already runs there. It returns -1 to go
// on.
func checkServiceDir(c *Ctx, dir string) int {
	for _, d := range []string{dir, filepath.Join(dir, "log")} {
		if d != dir {
			st, err := os.Stat(d)
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			if err != nil {
				return c.Fatal(ExitSystem, "unable to stat %s: %s", d, errtext.Libc(err))
			}
			if !st.IsDir() {
				return c.Fatal(ExitUsage, "%s is not a directory", d)
			}
		}
		run := filepath.Join(d, "run")
		st, err := os.Stat(run)
		if err != nil {
			return c.Fatal(ExitSystem, "unable to stat %s: %s", run, errtext.Libc(err))
		}
		if st.Mode()&0o100 == 0 {
			return c.Fatal(ExitUsage, "%s is not executable", run)
		}
		sup, err := svlink.Supervised(d)
		if err != nil {
			return c.Fatal(ExitSystem, "unable to check supervision status of %s: %s", d, errtext.Libc(err))
		}
		if sup {
			c.Warn("supervisor already running on %s", d)
		}
	}
	return -1
}

// svunlinkMain removes a service from a running scan directory and waits
// for its supervisor to exit; it fails only on deeper problems.
func svunlinkMain(c *Ctx) int {
	wait, deadline, rest, code, ok := unlinkOptions(c)
	if !ok {
		return code
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	name := rest[1]
	if name == "" || name[0] == '.' || strings.Contains(name, "/") {
		return c.Fatal(ExitUsage, "invalid service name")
	}
	err := svlink.Unlink(rest[0], []string{name}, wait, deadline)
	if err != nil && !errors.Is(err, svlink.ErrTimeout) {
		return c.Fatal(ExitSystem, "unable to prepare unlinking of service %s in scandir %s: %s", name, rest[0], errtext.Libc(err))
	}
	return 0
}
