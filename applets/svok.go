package applets

import (
	"path/filepath"

	"s6box/core/lock"
)

// svokMain exits 0 if a supervisor holds DIR/supervise/lock, 1 if not.
func svokMain(c *Ctx) int {
	_, rest, code, ok := c.Getopt("")
	if !ok {
		return code
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	locked, err := lock.IsLocked(filepath.Join(rest[0], "supervise", "lock"))
	if err != nil {
		return c.Fatal(ExitSystem, "unable to check %s: %v", rest[0], err)
	}
	if !locked {
		return 1
	}
	return 0
}
