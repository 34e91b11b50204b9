package applets

import (
	"time"

	"s6box/core/svlisten"
)

// listenOpts holds the options shared by svwait, svlisten1 and svlisten.
type listenOpts struct {
	letter   byte
	or       bool
	deadline time.Time
}

// parseListenOpts reads -u -U -d -D -r -R (last wins), -a/-o when allowed
// and -t ms (0 = forever).
func parseListenOpts(c *Ctx, spec string) (listenOpts, []string, int, bool) {
	lo := listenOpts{letter: 'u'}
	opts, rest, code, ok := c.Getopt(spec)
	if !ok {
		return lo, nil, code, false
	}
	for _, o := range opts {
		switch o.Letter {
		case 'a':
			lo.or = false
		case 'o':
			lo.or = true
		case 't':
			ms, err := parseMillis(o.Value)
			if err != nil {
				return lo, nil, c.UsageFail("invalid timeout: " + o.Value), false
			}
			if ms > 0 {
				lo.deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
			}
		default:
			lo.letter = o.Letter
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
	w, err := svlisten.Subscribe(dirs)
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	defer w.Close()
	return listenLoop(c, w, dirs, lo.letter, lo.or, listenWait, lo.deadline)
}
