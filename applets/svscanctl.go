package applets

import (
	"errors"

	"s6box/core/scanner"
)

func svscanctlMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt(scanner.ControlBytes)
	if !ok {
		return code
	}
	if len(rest) < 1 || rest[0] == "" {
		return c.UsageFail("")
	}
	cmds := make([]byte, 0, len(opts))
	for _, o := range opts {
		cmds = append(cmds, o.Letter)
	}
	if err := scanner.Control(rest[0], cmds); err != nil {
		if errors.Is(err, scanner.ErrNotListening) || errors.Is(err, scanner.ErrBadCtlDir) {
			return c.Fatal(ExitUsage, "%v", err)
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
