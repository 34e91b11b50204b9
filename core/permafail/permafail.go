// Package permafail decides s6-permafailon's question: has the service
// died at least N times in the last S seconds with one of the listed exit
// codes or signals (read from its death tally)?
package permafail

import (
	"errors"
	"strings"
	"time"

	"s6box/core/signame"
	"s6box/core/status"
	"s6box/core/tai64n"
)

// List is a set of exit codes and signals.
type List struct {
	codes [256]bool
	sigs  [65]bool
}

// Errors of ParseList, with s6's texts.
var (
	ErrExitCode = errors.New("invalid exit code")
	ErrInterval = errors.New("invalid interval")
	ErrIntSpec  = errors.New("invalid interval specification")
	ErrSpec     = errors.New("invalid status list specification")
)

const seps = ",; \n\r\t"

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanUint reads leading decimal digits (saturating); n is how many.
func scanUint(s string) (v uint64, n int) {
	for n < len(s) && isDigit(s[n]) {
		if v < 1<<32 {
			v = v*10 + uint64(s[n]-'0')
		}
		n++
	}
	return v, n
}

// ParseList reads a list such as "1,101-103,SIGSEGV,sig11": exit codes,
// intervals of exit codes, and signals by name or as SIG followed by a
// number, separated by commas, semicolons or blanks.
func ParseList(s string) (*List, error) {
	l := &List{}
	pos := 0
	for pos < len(s) {
		if u, n := scanUint(s[pos:]); n > 0 {
			if u > 255 {
				return nil, ErrExitCode
			}
			pos += n
			if pos < len(s) && s[pos] == '-' {
				pos++
				v, m := scanUint(s[pos:])
				if m == 0 {
					return nil, ErrIntSpec
				}
				if v > 255 {
					return nil, ErrExitCode
				}
				if v < u {
					return nil, ErrInterval
				}
				pos += m
				for c := u; c <= v; c++ {
					l.codes[c] = true
				}
			} else {
				l.codes[u] = true
			}
		} else {
			next := pos
			for next < len(s) && !strings.ContainsRune(seps, rune(s[next])) {
				next++
			}
			sig, ok := parseSignal(s[pos:next])
			if !ok {
				return nil, ErrSpec
			}
			l.sigs[sig] = true
			pos = next
		}
		for pos < len(s) && strings.ContainsRune(seps, rune(s[pos])) {
			pos++
		}
	}
	return l, nil
}

// parseSignal reads a signal name (any case, SIG optional) or SIG and a
// number.
func parseSignal(tok string) (int, bool) {
	if len(tok) > 3 && strings.EqualFold(tok[:3], "sig") && isDigit(tok[3]) {
		v, n := scanUint(tok[3:])
		if n != len(tok)-3 || v == 0 || v > 64 {
			return 0, false
		}
		return int(v), true
	}
	if tok == "" || isDigit(tok[0]) {
		return 0, false
	}
	return signame.Parse(tok)
}

// Trigger is the death that reached the count.
type Trigger struct {
	Death  status.Death
	Signal bool // the event is a signal (Death.Sig), not an exit code
}

// Check walks the tally (oldest first) and returns the death at which
// count deaths within window before now matched the list.
func Check(deaths []status.Death, now tai64n.Stamp, window time.Duration, count int, l *List) (Trigger, bool) {
	min := tai64n.FromTime(now.Time().Add(-window))
	matches := 0
	for _, d := range deaths {
		if d.Stamp.Sub(min) < 0 {
			continue
		}
		if (d.Sig != 0 && int(d.Sig) < len(l.sigs) && l.sigs[d.Sig]) || l.codes[d.Code] {
			matches++
			if matches >= count {
				return Trigger{Death: d, Signal: d.Sig != 0}, true
			}
		}
	}
	return Trigger{}, false
}
