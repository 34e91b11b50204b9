package applets

import (
	"s6box/linuxinit"
)

// telinitMain asks pid 1 to run its runlevel script with RUNLEVEL; 0 and 6
// mean poweroff and reboot. Init's own options are accepted and ignored, so
// `init 3` works through the generated bin/init (which passes -v).
func telinitMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("c:p:s:m:d:D:v:W:i:k:f:e:r:S:l:F:X:g:x:R:L:nNCBM")
	if !ok {
		return code
	}
	fifo := ""
	for _, o := range opts {
		if o.Letter == 'F' {
			fifo = o.Value
		}
	}
	if len(rest) != 1 || rest[0] == "" || len(rest[0]) > 255 {
		return c.UsageFail("exactly one runlevel is needed")
	}
	m := linuxinit.Message{Action: linuxinit.ActRunlevel, Runlevel: rest[0]}
	switch rest[0] {
	case "0":
		m = linuxinit.Message{Action: linuxinit.ActPoweroff}
	case "6":
		m = linuxinit.Message{Action: linuxinit.ActReboot}
	}
	if err := linuxinit.Send(linuxinit.ControlPath(fifo), m); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
