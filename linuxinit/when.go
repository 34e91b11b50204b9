package linuxinit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseWhen parses shutdown's time argument: "now", "+M" or "M" (minutes),
// or "hh:mm" (today, or tomorrow if already past), relative to now.
func ParseWhen(s string, now time.Time) (time.Duration, error) {
	bad := fmt.Errorf("invalid time format: %s", s)
	if s == "now" {
		return 0, nil
	}
	if h, m, ok := strings.Cut(s, ":"); ok {
		if len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
			return 0, bad
		}
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(m)
		if hh > 23 || mm > 59 {
			return 0, bad
		}
		t := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, now.Location())
		if t.Before(now) {
			t = t.AddDate(0, 0, 1)
		}
		return t.Sub(now), nil
	}
	s = strings.TrimPrefix(s, "+")
	if !digits(s) || len(s) > 6 {
		return 0, bad
	}
	n, _ := strconv.Atoi(s)
	return time.Duration(n) * time.Minute, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
