package applets

import (
	"s6box/linuxinit"
)

// umountallMain is s6-linux-init-umountall: unmount everything but the
// kernel's own filesystems and /run, in reverse order; busy ones are
// remounted read-only. Exit code = number of failures.
func umountallMain(c *Ctx) int {
	if len(c.Args) > 0 {
		return c.UsageFail("no arguments expected")
	}
	n, err := linuxinit.UmountAll("/proc/mounts", "/run", c.Warn)
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return n
}
