package applets

import (
	"golang.org/x/sys/unix"
)

// initLoggerMain prepares the catch-all logger: stdin becomes FIFO (opened
// without blocking, then switched to blocking reads), stdout the console
// with -c (pid 1's own stderr, else /dev/console) or /dev/null, then execs
// the logger command line.
func initLoggerMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("c")
	if !ok {
		return code
	}
	if len(rest) < 2 {
		return c.UsageFail("a fifo and a logger command line are needed")
	}
	console := len(opts) > 0
	fd, err := unix.Open(rest[0], unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return c.Fatal(ExitSystem, "unable to open %s: %v", rest[0], err)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return c.Fatal(ExitSystem, "unable to set %s blocking: %v", rest[0], err)
	}
	if err := unix.Dup2(fd, 0); err != nil {
		return c.Fatal(ExitSystem, "unable to move fd: %v", err)
	}
	if fd != 0 {
		unix.Close(fd)
	}
	outs := []string{"/dev/null"}
	if console {
		outs = []string{"/proc/1/fd/2", "/dev/console"}
	}
	out := -1
	for _, p := range outs {
		if out, err = unix.Open(p, unix.O_WRONLY|unix.O_NOCTTY|unix.O_APPEND, 0); err == nil {
			break
		}
	}
	if out >= 0 {
		unix.Dup2(out, 1)
		if out != 1 {
			unix.Close(out)
		}
	} else if console {
		unix.Dup2(2, 1)
	}
	return execApplet(c, rest[1:])
}
