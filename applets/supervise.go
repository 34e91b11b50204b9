package applets

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"s6box/core/memtrim"
	"s6box/core/reaper"
	"s6box/core/supervisor"
)

// superviseMain is s6-supervise: supervise one service directory in this
// process until told to exit (`x`, SIGTERM/SIGHUP/SIGQUIT/SIGINT).
func superviseMain(c *Ctx) int {
	_, rest, code, ok := c.Getopt("")
	if !ok {
		return code
	}
	if len(rest) < 1 || rest[0] == "" {
		return c.UsageFail("")
	}
	dir := rest[0]
	// A broken stderr must not kill us, but SIGPIPE must not be ignored
	// either: an ignored disposition would be inherited by every daemon.
	// Catching it makes writes fail with EPIPE and exec resets it.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT)
	r := reaper.Start(nil)
	s, err := supervisor.Start(supervisor.Options{
		Dir: dir, Name: dir,
		Stdin: 0, Stdout: 1, Stderr: 2,
		Spawner: supervisor.ReaperSpawner(r),
		Logf: func(level, format string, a ...any) {
			switch level {
			case "warning":
				c.Warn(format, a...)
			case "fatal":
				c.Fatal(ExitSystem, format, a...)
			default:
				c.Info(format, a...)
			}
		},
		NullStdio: func() {
			// Like s6-supervise: let go of a logger pipe held as stdin/stdout.
			if fd, err := syscall.Open("/dev/null", syscall.O_RDWR|syscall.O_CLOEXEC, 0); err == nil {
				syscall.Dup3(fd, 0, 0)
				syscall.Dup3(fd, 1, 0)
				syscall.Close(fd)
			}
		},
	})
	if err != nil {
		if errors.Is(err, supervisor.ErrLocked) || errors.Is(err, supervisor.ErrLayout) {
			return c.Fatal(ExitUsage, "%v", err)
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	trim := time.AfterFunc(settleDelay, func() { memtrim.Release() })
	defer trim.Stop()
	for {
		select {
		case sig := <-sigs:
			s.Signal(sig.(syscall.Signal))
		case <-s.Done():
			return 0
		}
	}
}
