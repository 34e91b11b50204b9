package applets

import (
	"errors"
	"strconv"
	"time"

	"s6box/core/setlock"
)

// setlockMain: setlock [ -n | -N | -t ms ] [ -r | -w ] file prog...
// The locked descriptor is left open for prog.
func setlockMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("nNt:rw")
	if !ok {
		return code
	}
	var o setlock.Options
	for _, op := range opts {
		switch op.Letter {
		case 'n':
			o.NoWait, o.Timed = true, false
		case 'N':
			o.NoWait, o.Timed = false, false
		case 't':
			ms, err := strconv.ParseUint(op.Value, 10, 32)
			if err != nil {
				return c.UsageFail("invalid timeout: " + op.Value)
			}
			o.NoWait, o.Timed, o.Timeout = false, true, time.Duration(ms)*time.Millisecond
		case 'r':
			o.Shared = true
		case 'w':
			o.Shared = false
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	if _, err := setlock.Lock(rest[0], o); err != nil {
		if errors.Is(err, setlock.ErrBusy) {
			return c.Fatal(1, "%v", err)
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	return c.Exec(rest[1:])
}
