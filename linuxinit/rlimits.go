package linuxinit

import (
	"fmt"
	"strconv"
	"strings"

	"s6box/core/rlimit"
)

// HardLimit is one item of init-maker -R: the resources of an s6-softlimit
// letter and the value (rlimit.Infinity for "=").
type HardLimit struct {
	Letter    byte
	Resources []int
	Value     uint64
}

// ParseRlimits reads a -R list such as "o2000,d=,c0": comma-separated
// s6-softlimit letters, each followed by a number or "=" (unlimited).
func ParseRlimits(list string) ([]HardLimit, error) {
	if list == "" {
		return nil, nil
	}
	var out []HardLimit
	for _, item := range strings.Split(list, ",") {
		if len(item) < 2 {
			return nil, fmt.Errorf("invalid resource limit %q in %q: want a letter then a number or =", item, list)
		}
		res := rlimit.Resources(item[0])
		if res == nil {
			return nil, fmt.Errorf("invalid resource limit %q in %q: unknown resource letter %c", item, list, item[0])
		}
		l := HardLimit{Letter: item[0], Resources: res, Value: rlimit.Infinity}
		if item[1:] != "=" {
			n, err := strconv.ParseUint(item[1:], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid resource limit %q in %q: %q is not a number or =", item, list, item[1:])
			}
			l.Value = n
		}
		out = append(out, l)
	}
	return out, nil
}

// ApplyHardLimits sets each limit as the hard limit of pid 1, lowering the
// soft limit to it when above, so that nothing started later can go beyond.
func ApplyHardLimits(ls []HardLimit) error {
	for _, l := range ls {
		for _, res := range l.Resources {
			if err := rlimit.SetCeiling(res, l.Value); err != nil {
				return fmt.Errorf("unable to set resource limit %c to %d: %w", l.Letter, l.Value, err)
			}
		}
	}
	return nil
}
