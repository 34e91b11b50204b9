package applets

import (
	"errors"

	"s6box/core/svcwait"
)

// svlisten1Main subscribes to one service, reads its status, then spawns
// prog (not waited for) and waits for the wanted state.
func svlisten1Main(c *Ctx) int {
	lo, rest, code, ok := parseListenOpts(c, "uUdDrRt:")
	if !ok {
		return code
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	return listenAndSpawn(c, rest[:1], rest[1:], lo, svcwait.One)
}

// svlistenMain is svlisten1 for several services: the servicedir list ends
// at an empty argument (what an execline block becomes).
func svlistenMain(c *Ctx) int {
	lo, rest, code, ok := parseListenOpts(c, "uUdDrRaot:")
	if !ok {
		return code
	}
	if len(rest) < 3 {
		return c.UsageFail("")
	}
	end := blockEnd(rest)
	if end < 0 {
		return c.Fatal(ExitUsage, "unterminated servicedir block")
	}
	if end == 0 || end == len(rest)-1 {
		return c.UsageFail("")
	}
	if (lo.Letter == 'r' || lo.Letter == 'R') && lo.Or {
		lo.Or = false
		c.Warn("-o is unsupported when combined with -%c - using -a instead", lo.Letter)
	}
	return listenAndSpawn(c, rest[:end], rest[end+1:], lo, svcwait.Many)
}

// listenAndSpawn spawns prog once the services are subscribed to, then
// waits.
func listenAndSpawn(c *Ctx, dirs, prog []string, lo svcwait.Request, mode svcwait.Mode) int {
	lo.Dirs, lo.Mode = dirs, mode
	err := svcwait.Run(lo, func() error { return spawnUnwaited(prog) })
	var te *svcwait.TriggerError
	if errors.As(err, &te) {
		return c.Fatal(ExitSystem, "unable to spawn %s: %v", prog[0], te.Err)
	}
	return listenExit(c, err)
}
