package applets

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/applets/getopt"
	"s6box/core/memtrim"
	"s6box/logger"
	"s6box/logger/script"
)

// logOptions parses s6-log's options (the script is returned as rest); the
// hosted-logger planner shares it. Errors are *getopt.UsageError for usage
// errors, plain errors for s6-log's fatal ones.
func logOptions(prog string, args []string) (logger.Config, []string, error) {
	cfg := logger.Config{
		Prog: prog, Stdin: 0,
		LineMax: 8192, StopWait: 2000 * time.Millisecond, NotifyFd: -1, Verbosity: 1,
	}
	opts, rest, err := getopt.Parse(args, "d:qvbpl:t:c:")
	if err != nil {
		return cfg, nil, err
	}
	for _, o := range opts {
		switch o.Letter {
		case 'd':
			n, err := strconv.ParseUint(o.Value, 10, 31)
			if err != nil {
				return cfg, nil, &getopt.UsageError{Msg: "notification fd must be a number"}
			}
			if n < 3 {
				return cfg, nil, errors.New("notification fd must be 3 or more")
			}
			cfg.NotifyFd = int(n)
		case 'q':
			cfg.Verbosity = 0
		case 'v':
			cfg.Verbosity = 2
		case 'b':
			cfg.Backpressure = true
		case 'p':
			cfg.IgnoreTerm = true
		case 'l':
			n, err := strconv.ParseUint(o.Value, 10, 31)
			if err != nil {
				return cfg, nil, &getopt.UsageError{Msg: "line limit must be a number"}
			}
			cfg.LineMax = int(n)
			if n > 0 && n < 48 {
				cfg.LineMax = 48
			}
		case 't':
			n, err := strconv.ParseUint(o.Value, 10, 31)
			if err != nil {
				return cfg, nil, &getopt.UsageError{Msg: "last line timeout must be a number of milliseconds"}
			}
			cfg.StopWait = time.Duration(n) * time.Millisecond
		case 'c':
			cfg.Copy, cfg.CopyPrefix = true, o.Value
		}
	}
	return cfg, rest, nil
}

// logMain: log (s6-log) — read lines on stdin and dispatch them per the
// logging script.
func logMain(c *Ctx) int {
	cfg, rest, err := logOptions(c.Prog, c.Args)
	if err != nil {
		var ue *getopt.UsageError
		if errors.As(err, &ue) {
			return c.UsageFail(ue.Msg)
		}
		return c.Fatal(ExitUsage, "%v", err)
	}
	if cfg.NotifyFd >= 0 {
		if _, err := unix.FcntlInt(uintptr(cfg.NotifyFd), unix.F_GETFD, 0); err != nil {
			return c.Fatal(ExitUsage, "invalid notification fd: %v", err)
		}
	}
	cfg.Stdout, cfg.Stderr = c.Stdout, c.Stderr
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	sc, err := script.Parse(rest)
	if err != nil {
		return c.Fatal(ExitUsage, "%v", err)
	}
	cfg.Script = sc
	um := syscall.Umask(0)
	syscall.Umask(um)
	cfg.Perm = os.FileMode(0o666 &^ um)
	// A logger lives as long as its service: once started, give back what
	// only start-up needed (see core/memtrim).
	trim := time.AfterFunc(settleDelay, func() { memtrim.Release() })
	defer trim.Stop()
	if err := logger.Run(cfg); err != nil {
		var ee *logger.ExitError
		if errors.As(err, &ee) {
			return c.Fatal(ee.Code, "%v", ee.Err)
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
