package applets

import (
	"time"

	"s6box/logger/stamp"
)

// tai64nMain: tai64n — prepend a TAI64N label to every line of stdin.
func tai64nMain(c *Ctx) int {
	if _, _, code, ok := c.Getopt(""); !ok {
		return code
	}
	if err := stamp.Prepend(c.Stdin, c.Stdout, time.Now); err != nil {
		return c.Fatal(ExitSystem, "unable to copy stdin to stdout: %v", err)
	}
	return 0
}
