package applets

import (
	"fmt"
	"os"
	"strings"
	"time"

	"s6box/rcdb/rccmd"
)

func rcMain(c *Ctx) int {
	args, err := rcLongOpts(c.Args, map[string]string{"livedir": "l:", "block": "b", "add": "a", "up": "u",
		"down": "d", "all-down": "D", "prune": "p", "without-essentials": "e", "with-essentials": "E",
		"verbosity": "v:", "dry-run": "n:", "timeout": "t:", "no-lock": "N", "json": "J"}, "l:baudDpeEv:n:t:NJ")
	if err != nil {
		return c.UsageFail(err.Error())
	}
	c.Args = args
	opts, rest, code, ok := c.Getopt("l:baudDpeEv:n:t:NJ")
	if !ok {
		return code
	}
	o := &rccmd.Options{Prog: c.Prog, Live: "/run/s6-rc", Verbosity: 1,
		Stdin: os.Stdin, Stdout: c.Stdout, Stderr: c.Stderr, StdoutF: os.Stdout, StderrF: os.Stderr}
	for _, op := range opts {
		switch op.Letter {
		case 'l':
			o.Live = op.Value
		case 'b':
			o.Block = true
		case 'a':
			o.Add = true
		case 'u':
			o.Down = false
		case 'd':
			o.Down = true
		case 'D':
			o.Down, o.Force = true, true
		case 'p':
			o.Prune = true
		case 'e':
			o.Force = true
		case 'E':
			o.Force = false
		case 'v', 'n', 't':
			v, ok := rcUint(c, map[byte]string{'v': "verbosity", 'n': "dry-run throttle", 't': "timeout"}[op.Letter], op.Value)
			if !ok {
				return ExitUsage
			}
			switch op.Letter {
			case 'v':
				o.Verbosity = int(v)
			case 'n':
				o.DryRun, o.DrySleep = true, time.Duration(v)*time.Millisecond
			case 't':
				o.Timeout = time.Duration(v) * time.Millisecond
			}
		case 'N':
			o.NoLock = true
		case 'J':
			o.JSON = true
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	switch rest[0] {
	case "help":
		fmt.Fprint(c.Stdout, strings.ReplaceAll(rccmd.Help, "PROG", c.Prog))
		return 0
	case "compile":
		return rcCompileSub(c, o, rest[1:])
	case "update":
		return rcUpdateSub(c, o, rest[1:])
	}
	return rccmd.Run(o, rest[0], rest[1:])
}
