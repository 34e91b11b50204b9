package applets

import (
	"fmt"
	"strconv"
	"time"

	"s6box/linuxinit"
)

// shutdownMain is s6-linux-init-shutdown: LSB-style scheduled shutdown. The
// control fifo is $S6BOX_INIT_CONTROL or /run/init-control (-F is the LSB
// "force fsck" flag, accepted and ignored).
func shutdownMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("hHPprkfFaict:")
	if !ok {
		return code
	}
	var action byte = linuxinit.ActSingle
	halt, hOpt, pOpt, warnOnly, cancel := false, false, false, false, false
	grace := uint32(0)
	for _, o := range opts {
		switch o.Letter {
		case 'h':
			halt = true
		case 'H':
			hOpt = true
		case 'P':
			pOpt = true
		case 'p':
			action = linuxinit.ActPoweroff
		case 'r':
			action = linuxinit.ActReboot
		case 'k':
			warnOnly = true
		case 'c':
			cancel = true
		case 't':
			n, err := strconv.ParseUint(o.Value, 10, 32)
			if err != nil {
				return c.UsageFail("invalid -t value " + o.Value)
			}
			if n > 300 {
				c.Warn("delay between SIGTERM and SIGKILL is capped to 300 seconds")
				n = 300
			}
			grace = uint32(n * 1000)
		}
	}
	if (hOpt || pOpt) && !halt {
		return c.UsageFail("-H and -P need -h")
	}
	if halt {
		action = linuxinit.ActHalt
		if pOpt {
			action = linuxinit.ActPoweroff
		}
	}
	path := linuxinit.ControlPath("")
	if cancel {
		if err := linuxinit.Send(path, linuxinit.Message{Action: linuxinit.ActCancel}); err != nil {
			return c.Fatal(ExitSystem, "%v", err)
		}
		return 0
	}
	if len(rest) == 0 {
		return c.UsageFail("a time is needed")
	}
	delay, err := linuxinit.ParseWhen(rest[0], time.Now())
	if err != nil {
		return c.Fatal(ExitUsage, "%v", err)
	}
	if len(rest) > 1 {
		fmt.Fprintln(c.Stdout, rest[1])
	}
	if warnOnly {
		return 0
	}
	if err := linuxinit.Send(path, linuxinit.Message{Action: action, Delay: delay, GraceMs: grace}); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
