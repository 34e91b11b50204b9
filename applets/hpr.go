package applets

import (
	"golang.org/x/sys/unix"

	"s6box/linuxinit"
)

func haltMain(c *Ctx) int     { return hpr(c, 'h') }
func poweroffMain(c *Ctx) int { return hpr(c, 'p') }
func rebootMain(c *Ctx) int   { return hpr(c, 'r') }
func hprMain(c *Ctx) int      { return hpr(c, 0) }

// hpr is s6-linux-init-hpr: ask pid 1 to halt, power off or reboot, or with
// -f do it at once (sync unless -n, then reboot(2)).
func hpr(c *Ctx, action byte) int {
	opts, rest, code, ok := c.Getopt("hprndwWfiF:")
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return c.UsageFail("unexpected argument " + rest[0])
	}
	force, nosync, wtmpOnly := false, false, false
	fifo := ""
	for _, o := range opts {
		switch o.Letter {
		case 'h', 'p', 'r':
			action = o.Letter
		case 'f':
			force = true
		case 'n':
			nosync = true
		case 'w':
			wtmpOnly = true
		case 'F':
			fifo = o.Value
		}
	}
	if action == 0 {
		return c.UsageFail("one of the -h, -p or -r options must be given")
	}
	if force {
		if !nosync {
			unix.Sync()
		}
		cmd := map[byte]int{'h': unix.LINUX_REBOOT_CMD_HALT, 'p': unix.LINUX_REBOOT_CMD_POWER_OFF, 'r': unix.LINUX_REBOOT_CMD_RESTART}[action]
		err := unix.Reboot(cmd)
		return c.Fatal(ExitSystem, "unable to reboot(): %v", err)
	}
	if wtmpOnly {
		return 0
	}
	if err := linuxinit.Send(linuxinit.ControlPath(fifo), linuxinit.Message{Action: action}); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
