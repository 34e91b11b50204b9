// Package signame maps Linux signal numbers to the names s6 prints (without
// the "SIG" prefix) and parses the signal names s6 accepts.
package signame

import (
	"strconv"
	"strings"
)

// names are the Linux signal names 1..31 in the spelling skalibs uses
// (SIGPOLL rather than SIGIO, SIGABRT rather than SIGIOT).
var names = [...]string{
	"", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
	"SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
	"TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
}

// Name returns the name of signal n without "SIG", or "???" for a number
// without a name (real-time signals, out of range), as s6-svstat prints.
func Name(n int) string {
	if n > 0 && n < len(names) {
		return names[n]
	}
	return "???"
}

// Parse reads a signal given as a name with or without "SIG" (any case) or
// as a decimal number. ok is false for anything else.
func Parse(s string) (n int, ok bool) {
	if s == "" {
		return 0, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 || v > 64 {
			return 0, false
		}
		return v, true
	}
	u := strings.ToUpper(s)
	u = strings.TrimPrefix(u, "SIG")
	switch u {
	case "IO":
		u = "POLL"
	case "IOT":
		u = "ABRT"
	case "CLD":
		u = "CHLD"
	}
	for i := 1; i < len(names); i++ {
		if names[i] == u {
			return i, true
		}
	}
	return 0, false
}
