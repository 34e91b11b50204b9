package applets

import (
	"time"

	"s6box/core/svcwait"
)

// parseListenOpts reads the options shared by svwait, svlisten1 and
// svlisten into a wait request: -u -U -d -D -r -R (last wins), -a/-o when
// allowed and -t ms (0 = forever).
func parseListenOpts(c *Ctx, spec string) (svcwait.Request, []string, int, bool) {
	lo := svcwait.Request{Letter: 'u'}
	opts, rest, code, ok := c.Getopt(spec)
	if !ok {
		return lo, nil, code, false
	}
	for _, o := range opts {
		switch o.Letter {
		case 'a':
			lo.Or = false
		case 'o':
			lo.Or = true
		case 't':
			ms, err := parseMillis(o.Value)
			if err != nil {
				return lo, nil, c.UsageFail("invalid timeout: " + o.Value), false
			}
			if ms > 0 {
				lo.Deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
			}
		default:
			lo.Letter = o.Letter
		}
	}
	return lo, rest, 0, true
}

func svwaitMain(c *Ctx) int {
	lo, dirs, code, ok := parseListenOpts(c, "uUdDrRaot:")
	if !ok {
		return code
	}
	if len(dirs) == 0 {
		return c.UsageFail("")
	}
	lo.Dirs, lo.Mode = dirs, svcwait.AllWait
	return listenExit(c, svcwait.Run(lo, nil))
}
