package applets

import (
	"strconv"

	"s6box/core/rlimit"
)

// softlimitMain: softlimit [ -h | -H ] [ -a n ] [ -c n ] [ -d n ] [ -f n ] [ -l n ]
// [ -m n ] [ -o n ] [ -p n ] [ -r n ] [ -s n ] [ -t n ] prog...
// Options act in order; -h and -H change the mode of the options after them.
func softlimitMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("hHa:c:d:f:l:m:o:p:r:s:t:")
	if !ok {
		return code
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	rlimit.Self = c.Self()
	mode := rlimit.Soft
	for _, op := range opts {
		switch op.Letter {
		case 'h':
			mode = rlimit.Hard
			continue
		case 'H':
			mode = rlimit.Both
			continue
		}
		raise := op.Value == "="
		var n uint64
		if !raise {
			var err error
			n, err = strconv.ParseUint(op.Value, 10, 64)
			if err != nil {
				return c.UsageFail("invalid value for -" + string(op.Letter) + ": " + op.Value)
			}
			n = min(n, rlimit.Infinity)
		}
		for _, res := range rlimit.Resources(op.Letter) {
			if err := rlimit.Set(res, mode, n, raise); err != nil {
				return c.Fatal(ExitSystem, "unable to setrlimit for -%c %s: %v", op.Letter, op.Value, err)
			}
		}
	}
	return c.Exec(rest)
}
