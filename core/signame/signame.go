// Package signame is the one signal table of s6box: Linux signal numbers,
// the names s6 prints and parses (without the "SIG" prefix), and the control
// letters with which s6-svc asks a supervisor to send a signal.
package signame

import (
	"strconv"
	"strings"
	"syscall"
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

// controlLetters pairs each signal a supervisor sends on request with its
// byte on supervise/control (s6-svc -a -b -q -h -k -t -i -1 -2 -p -c -y).
var controlLetters = [...]struct {
	letter byte
	sig    syscall.Signal
}{
	{'a', syscall.SIGALRM}, {'b', syscall.SIGABRT}, {'q', syscall.SIGQUIT},
	{'h', syscall.SIGHUP}, {'k', syscall.SIGKILL}, {'t', syscall.SIGTERM},
	{'i', syscall.SIGINT}, {'1', syscall.SIGUSR1}, {'2', syscall.SIGUSR2},
	{'p', syscall.SIGSTOP}, {'c', syscall.SIGCONT}, {'y', syscall.SIGWINCH},
}

// Letter returns the control byte that makes a supervisor send signal n to
// its service (s6-svc -s); ok is false for signals s6 does not offer.
func Letter(n int) (letter byte, ok bool) {
	for _, c := range controlLetters {
		if int(c.sig) == n {
			return c.letter, true
		}
	}
	return 0, false
}

// ByLetter returns the signal a supervisor sends for control byte b; ok is
// false for bytes that are not signal requests.
func ByLetter(b byte) (sig syscall.Signal, ok bool) {
	for _, c := range controlLetters {
		if c.letter == b {
			return c.sig, true
		}
	}
	return 0, false
}
