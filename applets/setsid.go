package applets

import (
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setsidMain: setsid [ -s | -b | -f | -g ] [ -i | -I | -q ] [ -d ctty ] prog...
func setsidMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("sbfgiIqd:")
	if !ok {
		return code
	}
	what, onFail, ctty := byte('s'), byte('I'), 0
	for _, op := range opts {
		switch op.Letter {
		case 's', 'b', 'f', 'g':
			what = op.Letter
		case 'i', 'I', 'q':
			onFail = op.Letter
		case 'd':
			n, err := strconv.ParseUint(op.Value, 10, 31)
			if err != nil {
				return c.UsageFail("invalid ctty descriptor: " + op.Value)
			}
			ctty = int(n)
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	fail := func(what string, err error) int {
		switch onFail {
		case 'i':
			return c.Fatal(ExitSystem, "unable to %s: %v", what, err)
		case 'I':
			c.Warn("unable to %s: %v", what, err)
		}
		return 0
	}
	switch what {
	case 's':
		if _, err := syscall.Setsid(); err != nil {
			if code := fail("setsid", err); code != 0 {
				return code
			}
		}
	default:
		if err := syscall.Setpgid(0, 0); err != nil {
			if code := fail("setpgid", err); code != 0 {
				return code
			}
		}
		if what == 'b' {
			break
		}
		// A background process group taking the terminal gets SIGTTOU
		// unless it ignores it; -g ignores it for the call only.
		var restore func()
		if what == 'g' {
			restore = ignoreSignal(syscall.SIGTTOU)
		}
		err := unix.IoctlSetPointerInt(ctty, unix.TIOCSPGRP, syscall.Getpgrp())
		if restore != nil {
			restore()
		}
		if err != nil {
			if code := fail("tcsetpgrp", err); code != 0 {
				return code
			}
		}
	}
	return c.Exec(rest)
}

// ignoreSignal sets sig to SIG_IGN with a raw sigaction and returns a
// function that puts the previous action back verbatim. os/signal cannot be
// used: its Reset leaves an ignored signal ignored, and SIG_IGN survives the
// exec. The buffers are larger than any kernel sigaction layout; the
// handler is the first word everywhere.
func ignoreSignal(sig syscall.Signal) func() {
	var act, old [8]uint64
	act[0] = 1 // SIG_IGN
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		return nil
	}
	return func() {
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	}
}
