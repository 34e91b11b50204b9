package applets

import (
	"os"
	"strconv"
	"time"

	"s6box/linuxinit"
)

// initMain is pid 1 (s6-linux-init). Run as any other pid it behaves as
// telinit, so `init 3` from a shell asks pid 1 for runlevel 3.
func initMain(c *Ctx) int {
	if os.Getpid() != 1 {
		return telinitMain(c)
	}
	opts, rest, code, ok := c.Getopt("c:v:p:s:m:d:D:nNCBW:i:k:f:e:r:S:l:F:X:g:x:R:ML:H:y")
	if !ok {
		return code
	}
	cfg := &linuxinit.Config{Prog: c.Prog, Self: c.Self(), Verbosity: 1, Umask: 0o22, Console: c.Stderr, Args: rest}
	basedir := "/etc/s6-linux-init/current"
	scanner := ""
	for _, o := range opts {
		switch o.Letter {
		case 'c':
			basedir = o.Value
		case 'v', 'm', 'W', 'g':
			base := 10
			if o.Letter == 'm' {
				base = 8
			}
			n, err := strconv.ParseUint(o.Value, base, 31)
			if err != nil || o.Letter == 'W' && n < 3 {
				return c.UsageFail("invalid value for -" + string(o.Letter) + ": " + o.Value)
			}
			switch o.Letter {
			case 'v':
				cfg.Verbosity = int(n)
			case 'm':
				cfg.Umask = int(n)
			case 'W':
				cfg.ReadyFd = int(n)
			case 'g':
				if n > 300000 {
					n = 300000
				}
				cfg.Grace = time.Duration(n) * time.Millisecond
			}
		case 'p':
			cfg.Path = o.Value
		case 's':
			cfg.EnvDump = o.Value
		case 'd':
			cfg.DevDir = o.Value
		case 'H':
			ls, err := linuxinit.ParseRlimits(o.Value)
			if err != nil {
				return c.UsageFail(err.Error())
			}
			cfg.HardLimits = ls
		case 'y':
			cfg.SyncOnHalt = true
		case 'D':
			cfg.InitDefault = o.Value
		case 'n', 'N':
			cfg.RunMode = o.Letter
		case 'C':
			cfg.Container = true
		case 'B':
			cfg.NoLogger = true
		case 'M':
			cfg.NoMounts = true
		case 'i':
			cfg.RCInit = o.Value
		case 'k':
			cfg.RCShutdown = o.Value
		case 'f':
			cfg.RCFinal = o.Value
		case 'L':
			cfg.RunlevelScr = o.Value
		case 'e':
			cfg.EnvDir = o.Value
		case 'r':
			cfg.RunImage = o.Value
		case 'R':
			cfg.RunDir = o.Value
		case 'S':
			cfg.ScanDir = o.Value
		case 'l':
			cfg.LoggerName = o.Value
		case 'F':
			cfg.Control = o.Value
		case 'X':
			scanner = o.Value
		case 'x':
			cfg.ExitService = o.Value
		}
	}
	cfg.Defaults(basedir)
	switch {
	case scanner != "":
		cfg.Scanner = []string{scanner, cfg.ScanDir}
	case Find(Table(), "svscan") != nil:
		cfg.Scanner = []string{"svscan", cfg.ScanDir}
	default:
		cfg.Scanner = []string{"/usr/bin/s6-svscan", cfg.ScanDir}
	}
	code, err := linuxinit.Run(cfg)
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return code
}
