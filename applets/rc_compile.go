package applets

import (
	"strings"

	"s6box/rcdb/compile"
)

func rcCompileMain(c *Ctx) int {
	args, err := rcLongOpts(c.Args, map[string]string{"verbosity": "v:", "fdholder-user": "h:", "block": "b"}, "v:h:bB:")
	if err != nil {
		return c.UsageFail(err.Error())
	}
	c.Args = args
	opts, rest, code, ok := c.Getopt("v:h:bB:")
	if !ok {
		return code
	}
	o := &compile.Options{Verbosity: 1, Self: c.Self(), Warn: c.Warn, Info: c.Info}
	for _, op := range opts {
		switch op.Letter {
		case 'v':
			v, ok := rcUint(c, "verbosity", op.Value)
			if !ok {
				return ExitUsage
			}
			o.Verbosity = int(v)
		case 'b':
			o.Block = true
		case 'h':
			// the fd holder runs in-process as the supervision tree's user
		case 'B':
			// Extension: the path of s6box on the system that will run the
			// database (an image built on another host), written into the
			// internal services' run files instead of this binary's path.
			if !strings.HasPrefix(op.Value, "/") {
				return c.UsageFail("-B needs an absolute path")
			}
			o.Self = op.Value
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	if _, err := compile.Compile(rest[0], rest[1:], o); err != nil {
		return rcFail(c, err)
	}
	return 0
}
