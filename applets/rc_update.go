package applets

import (
	"os"
	"path/filepath"
	"time"

	"s6box/rcdb/engine"
	"s6box/rcdb/update"
)

func rcUpdateMain(c *Ctx) int {
	spec := "nv:t:l:f:bEe"
	args, err := rcLongOpts(c.Args, map[string]string{"dry-run": "n", "verbosity": "v:", "timeout": "t:", "livedir": "l:",
		"conversion-file": "f:", "block": "b", "no-force-essentials": "E", "force-essentials": "e"}, spec)
	if err != nil {
		return c.UsageFail(err.Error())
	}
	c.Args = args
	opts, rest, code, ok := c.Getopt(spec)
	if !ok {
		return code
	}
	o := &update.Options{Messages: engine.Messages{Verbosity: 1, Info: c.Info, Warn: c.Warn},
		Prog: c.Prog, Live: "/run/s6-rc", Stdout: c.Stdout, Stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}}
	for _, op := range opts {
		switch op.Letter {
		case 'n':
			o.DryRun = true
		case 'v', 't':
			v, ok := rcUint(c, map[byte]string{'v': "verbosity", 't': "timeout"}[op.Letter], op.Value)
			if !ok {
				return ExitUsage
			}
			if op.Letter == 'v' {
				o.Verbosity = int(v)
			} else {
				o.Timeout = time.Duration(v) * time.Millisecond
			}
		case 'l':
			o.Live = op.Value
		case 'f':
			o.ConvFile = op.Value
		case 'b':
			o.Block = true
		case 'E':
			o.Force = false
		case 'e':
			o.Force = true
		}
	}
	if len(rest) != 1 {
		return c.UsageFail("")
	}
	o.NewDB = rest[0]
	if !filepath.IsAbs(o.Live) || !filepath.IsAbs(o.NewDB) {
		return c.Fatal(ExitUsage, "live and newdb must be absolute paths")
	}
	code, err = update.Run(o)
	if err != nil {
		return rcFail(c, err)
	}
	return code
}
