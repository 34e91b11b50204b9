package signame

import (
	"syscall"
	"testing"
)

func TestNames(t *testing.T) {
	// As printed by Debian's s6-svstat 2.11 for wait statuses 1..31.
	want := map[int]string{1: "HUP", 6: "ABRT", 9: "KILL", 15: "TERM", 16: "STKFLT", 29: "POLL", 30: "PWR", 31: "SYS", 32: "???", 64: "???", 0: "???"}
	for n, w := range want {
		if got := Name(n); got != w {
			t.Errorf("Name(%d) = %q, want %q", n, got, w)
		}
	}
}

func TestParse(t *testing.T) {
	ok := map[string]int{"term": 15, "TERM": 15, "SIGTERM": 15, "sigkill": 9, "15": 15, "io": 29, "SIGWINCH": 28, "usr1": 10}
	for s, w := range ok {
		if n, good := Parse(s); !good || n != w {
			t.Errorf("Parse(%q) = %d %v, want %d", s, n, good, w)
		}
	}
	for _, s := range []string{"", "SIG", "nope", "0", "65", "-1", "15x"} {
		if n, good := Parse(s); good {
			t.Errorf("Parse(%q) accepted as %d", s, n)
		}
	}
}

func TestControlLetters(t *testing.T) {
	want := map[syscall.Signal]byte{syscall.SIGALRM: 'a', syscall.SIGABRT: 'b', syscall.SIGQUIT: 'q', syscall.SIGHUP: 'h',
		syscall.SIGKILL: 'k', syscall.SIGTERM: 't', syscall.SIGINT: 'i', syscall.SIGUSR1: '1', syscall.SIGUSR2: '2',
		syscall.SIGSTOP: 'p', syscall.SIGCONT: 'c', syscall.SIGWINCH: 'y'}
	for s, c := range want {
		if got, ok := Letter(int(s)); !ok || got != c {
			t.Errorf("Letter(%v) = %q %v, want %q", s, got, ok, c)
		}
		if got, ok := ByLetter(c); !ok || got != s {
			t.Errorf("ByLetter(%q) = %v %v, want %v", c, got, ok, s)
		}
	}
	if _, ok := Letter(int(syscall.SIGSEGV)); ok {
		t.Error("SIGSEGV offered")
	}
	for _, b := range []byte("dDuUxrlPCKoOQ\x00") {
		if sig, ok := ByLetter(b); ok {
			t.Errorf("ByLetter(%q) = %v, want no signal", b, sig)
		}
	}
}
