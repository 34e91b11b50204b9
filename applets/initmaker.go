package applets

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"s6box/linuxinit"
)

// initMakerOptions is s6-linux-init-maker 1.2.0.2's option string (a
// superset of 1.1.1.1's) plus ours: -b binary, -l rundir, -x exit service,
// -X scanner, -r s6-rc database.
const initMakerOptions = "V:c:u:G:1Lp:m:t:d:s:e:q:D:W:nNf:R:CBS" + "b:l:x:X:r:O"

// notWithOverlay are the options an overlay tree (-O) refuses: stage 0
// takes what they set from the S6_* variables at container start.
const notWithOverlay = "V1BuGptdsqDWnNfSxrl"

// initMakerMain is s6-linux-init-maker: write a complete init tree (the
// policy) for init to use.
func initMakerMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt(initMakerOptions)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		return c.UsageFail("exactly one directory is needed")
	}
	mc := linuxinit.MakerConfig{BaseDir: "/etc/s6-linux-init/current", Verbosity: 1,
		Timestamps: 1, Path: "/usr/bin:/bin:/usr/sbin:/sbin", Umask: 0o22, GraceMs: 3000, InitDefault: "default", RunDir: "/run"}
	explicitBinary := false
	for _, o := range opts {
		if o.Letter == 'O' {
			mc.Overlay, mc.Container = true, true
		}
	}
	for _, o := range opts {
		if mc.Overlay && strings.IndexByte(notWithOverlay, o.Letter) >= 0 {
			return c.UsageFail("-" + string(o.Letter) + " cannot be used with -O: stage 0 sets it from the S6_* variables at container start")
		}
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
		case 'u':
			mc.LogUser = o.Value
		case 'b':
			mc.Binary, explicitBinary = o.Value, true
		case '1':
			mc.ConsoleCopy = true
		case 'L':
			c.Warn("-L: s6box keeps no utmp records, so there is no logout hook service to add; option ignored")
		case 't':
			mc.Timestamps, good = num(10, 3)
		case 'G':
			mc.Getty = o.Value
		case 'p':
			mc.Path = o.Value
		case 'm':
			mc.Umask, good = num(8, 0o777)
		case 'd':
			mc.DevDir = o.Value
		case 's':
			mc.EnvStore = o.Value
		case 'q':
			mc.GraceMs, good = num(10, 300000)
		case 'D':
			mc.InitDefault = o.Value
		case 'n', 'N':
			mc.RunMode = o.Letter
		case 'f':
			mc.SkelDir = o.Value
		case 'R':
			mc.Rlimits = o.Value
		case 'C':
			mc.Container = true
		case 'B':
			mc.NoLogger = true
		case 'S':
			mc.SyncOnHalt = true
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
			good = good && (mc.ReadyFd == 0 || mc.ReadyFd >= 3)
		}
		if !good {
			return c.UsageFail("invalid value for -" + string(o.Letter) + ": " + o.Value)
		}
	}
	if !explicitBinary {
		// As rc-compile does: the tree names the binary that made it.
		mc.Binary = c.Self()
		if p, err := filepath.EvalSymlinks(mc.Binary); err == nil {
			mc.Binary = p
		}
	}
	if _, err := os.Stat(mc.Binary); err != nil {
		c.Warn("%s does not exist here: the tree's scripts will only run where it does (-b names the binary's path at boot)", mc.Binary)
	}
	for _, w := range mc.Warnings() {
		c.Warn("%s", w)
	}
	if err := linuxinit.Make(rest[0], mc); err != nil {
		var bad *linuxinit.MakerError
		if errors.As(err, &bad) {
			return c.Fatal(ExitUsage, "%v", err)
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
