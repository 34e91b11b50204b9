package applets

import (
	"s6box/core/svlisten"
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
	return listenAndSpawn(c, rest[:1], rest[1:], lo, listenOne)
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
	end := -1
	for i, a := range rest {
		if a == "" {
			end = i
			break
		}
	}
	if end < 0 {
		return c.Fatal(ExitUsage, "unterminated servicedir block")
	}
	if end == 0 || end == len(rest)-1 {
		return c.UsageFail("")
	}
	if (lo.letter == 'r' || lo.letter == 'R') && lo.or {
		lo.or = false
		c.Warn("-o is unsupported when combined with -%c - using -a instead", lo.letter)
	}
	return listenAndSpawn(c, rest[:end], rest[end+1:], lo, listenMany)
}

func listenAndSpawn(c *Ctx, dirs, prog []string, lo listenOpts, mode listenMode) int {
	w, err := svlisten.Subscribe(dirs)
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	defer w.Close()
	if err := spawnUnwaited(prog); err != nil {
		return c.Fatal(ExitSystem, "unable to spawn %s: %v", prog[0], err)
	}
	return listenLoop(c, w, dirs, lo.letter, lo.or, mode, lo.deadline)
}
