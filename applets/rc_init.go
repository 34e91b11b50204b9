package applets

import (
	"path/filepath"
	"strings"
	"time"

	"s6box/rcdb/live"
)

func rcInitMain(c *Ctx) int {
	args, err := rcLongOpts(c.Args, map[string]string{"bootdb": "c:", "livedir": "l:", "prefix": "p:",
		"timeout": "t:", "dereference": "d", "block": "b"}, "c:l:p:t:db")
	if err != nil {
		return c.UsageFail(err.Error())
	}
	c.Args = args
	opts, rest, code, ok := c.Getopt("c:l:p:t:db")
	if !ok {
		return code
	}
	o := live.InitOptions{BootDB: "/etc/s6-rc/compiled/current", Live: "/run/s6-rc",
		Info: c.Info, Warn: c.Warn}
	for _, op := range opts {
		switch op.Letter {
		case 'c':
			o.BootDB, o.BootDBGiven = op.Value, true
		case 'l':
			o.Live = op.Value
		case 'p':
			o.Prefix = op.Value
		case 't':
			v, ok := rcUint(c, "timeout", op.Value)
			if !ok {
				return ExitUsage
			}
			o.Timeout = time.Duration(v) * time.Millisecond
		case 'd':
			o.Deref = true
		}
	}
	if len(rest) < 1 {
		return c.UsageFail("")
	}
	o.Scandir = rest[0]
	for _, p := range []struct{ what, v string }{{"scandir", o.Scandir}, {"live", o.Live}} {
		if !filepath.IsAbs(p.v) {
			return c.Fatal(ExitUsage, "%s must be an absolute path", p.what)
		}
	}
	if !o.Deref && !filepath.IsAbs(o.BootDB) {
		return c.Fatal(ExitUsage, "bootdb must be an absolute path")
	}
	if strings.ContainsAny(o.Prefix, "/\n") {
		return c.Fatal(ExitUsage, "prefix cannot contain a / or a newline")
	}
	o.Live = strings.TrimRight(o.Live, "/")
	if err := live.Init(o); err != nil {
		return rcFail(c, err)
	}
	return 0
}
