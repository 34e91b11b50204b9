package applets

import (
	"strconv"

	"s6box/core/fsutil"
	"s6box/core/status"
	"s6box/core/svdt"
)

// svdtMain prints the death tally, oldest first.
func svdtMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("Ssn:")
	if !ok {
		return code
	}
	numeric := false
	max := svdt.MaxRecords
	for _, o := range opts {
		switch o.Letter {
		case 's':
			numeric = true
		case 'S':
			numeric = false
		case 'n':
			n, err := strconv.ParseUint(o.Value, 10, 32)
			if err != nil {
				return c.UsageFail("invalid maxentries: " + o.Value)
			}
			if n < svdt.MaxRecords {
				max = int(n)
			}
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	dir := rest[0]
	deaths, err := status.LoadDeaths(dir)
	if err != nil {
		return c.Fatal(ExitSystem, "unable to read death tally for service %s: %v", dir, fsutil.Bare(err))
	}
	if _, err := c.Stdout.Write(svdt.Format(deaths, max, numeric)); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %v", fsutil.Bare(err))
	}
	return 0
}

func svdtClearMain(c *Ctx) int {
	_, rest, code, ok := c.Getopt("")
	if !ok {
		return code
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	if err := svdt.Clear(rest[0]); err != nil {
		return c.Fatal(ExitSystem, "unable to clear death tally for service %s: %v", rest[0], err)
	}
	return 0
}
