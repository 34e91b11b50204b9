package applets

import (
	"strconv"

	"s6box/linuxinit"
)

// initMakerMain is s6-linux-init-maker: write a complete init tree (the
// policy) for init to use.
func initMakerMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("V:c:b:1t:G:p:m:q:D:nNCBe:x:X:l:W:r:")
	if !ok {
		return code
	}
	if len(rest) != 1 {
		return c.UsageFail("exactly one directory is needed")
	}
	mc := linuxinit.MakerConfig{BaseDir: "/etc/s6-linux-init/current", Binary: "/bin/s6box", Verbosity: 1,
		Timestamps: 1, Path: "/usr/bin:/bin:/usr/sbin:/sbin", Umask: 0o22, GraceMs: 3000, InitDefault: "default", RunDir: "/run"}
	for _, o := range opts {
		num := func(base int, max uint64) (int, bool) {
			n, err := strconv.ParseUint(o.Value, base, 31)
			return int(n), err == nil && n <= max
		}
		var good = true
		switch o.Letter {
		case 'V':
			mc.Verbosity, good = num(10, 1<<30)
		case 'c':
			mc.BaseDir = o.Value
		case 'b':
			mc.Binary = o.Value
		case '1':
			mc.ConsoleCopy = true
		case 't':
			mc.Timestamps, good = num(10, 3)
		case 'G':
			mc.Getty = o.Value
		case 'p':
			mc.Path = o.Value
		case 'm':
			mc.Umask, good = num(8, 0o777)
		case 'q':
			mc.GraceMs, good = num(10, 300000)
		case 'D':
			mc.InitDefault = o.Value
		case 'n', 'N':
			mc.RunMode = o.Letter
		case 'C':
			mc.Container = true
		case 'B':
			mc.NoLogger = true
		case 'e':
			mc.Env = append(mc.Env, o.Value)
		case 'x':
			mc.ExitService = o.Value
		case 'X':
			mc.Scanner = o.Value
		case 'l':
			mc.RunDir = o.Value
		case 'r':
			mc.RCDatabase = o.Value
		case 'W':
			mc.ReadyFd, good = num(10, 1<<20)
			good = good && mc.ReadyFd >= 3
		}
		if !good {
			return c.UsageFail("invalid value for -" + string(o.Letter) + ": " + o.Value)
		}
	}
	if err := linuxinit.Make(rest[0], mc); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
