package applets

import "s6box/logger/stamp"

// tai64nlocalMain: tai64nlocal — turn leading TAI64N labels into local time.
func tai64nlocalMain(c *Ctx) int {
	if _, _, code, ok := c.Getopt(""); !ok {
		return code
	}
	if err := stamp.Localize(c.Stdin, c.Stdout); err != nil {
		return c.Fatal(ExitSystem, "unable to copy stdin to stdout: %v", err)
	}
	return 0
}
