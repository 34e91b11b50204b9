package applets

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/ipc"
)

// ipcclientMain: s6-ipcclient [ -q | -Q | -v ] [ -p bindpath ]
// [ -l localname ] path prog...
func ipcclientMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("qQvp:l:")
	if !ok {
		return code
	}
	verbosity, bindpath, localname, haveLocal := 1, "", "", false
	for _, o := range opts {
		switch o.Letter {
		case 'q':
			if verbosity > 0 {
				verbosity--
			}
		case 'Q':
			verbosity = 1
		case 'v':
			verbosity++
		case 'p':
			bindpath = o.Value
		case 'l':
			localname, haveLocal = o.Value, true
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	fd, err := ipc.Connect(rest[0], bindpath)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Op == "bind" {
			return c.Fatal(ExitSystem, "unable to bind socket to %s: %v", bindpath, pe.Err)
		}
		return c.Fatal(ExitSystem, "unable to connect to %s: %v", rest[0], errors.Unwrap(err))
	}
	if verbosity >= 2 {
		c.Info("connected to %s", rest[0])
	}
	os.Setenv("PROTO", "IPC")
	if haveLocal {
		if len(localname) > 107 {
			localname = localname[:107]
		}
		os.Setenv("IPCLOCALPATH", localname)
	} else if name, err := ipc.LocalName(fd); err == nil {
		os.Setenv("IPCLOCALPATH", name)
	} else {
		os.Unsetenv("IPCLOCALPATH")
	}
	if err := unix.Dup3(fd, 6, 0); err != nil {
		return c.Fatal(ExitSystem, "unable to set up fd 6: %v", err)
	}
	if err := unix.Dup3(fd, 7, 0); err != nil {
		return c.Fatal(ExitSystem, "unable to set up fd 7: %v", err)
	}
	if fd != 6 && fd != 7 {
		unix.Close(fd)
	}
	return c.Exec(rest[1:])
}

// ioconnectMain: s6-ioconnect [ -t millisecs ] [ -r fdr ] [ -w fdw ]
// copies stdin to fdw (7) and fdr (6) to stdout until both sides end.
func ioconnectMain(c *Ctx) int {
	opts, _, code, ok := c.Getopt("0167t:r:w:")
	if !ok {
		return code
	}
	timeout, fdr, fdw := 0, 6, 7
	for _, o := range opts {
		switch o.Letter {
		case 't', 'r', 'w':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			switch o.Letter {
			case 't':
				timeout = n
			case 'r':
				fdr = n
			case 'w':
				fdw = n
			}
		}
	}
	for _, fd := range []int{0, 1, fdr, fdw} {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return c.Fatal(ExitSystem, "unable to fstat fd %d: %v", fd, err)
		}
	}
	signal.Ignore(syscall.SIGPIPE)
	activity := make(chan struct{}, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	pump := func(from, to int) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := unix.Read(from, buf)
			if err == unix.EINTR || err == unix.EAGAIN {
				if err == unix.EAGAIN {
					waitReadable(from)
				}
				continue
			}
			if n <= 0 {
				if err != nil {
					c.Warn("unable to read from fd %d: %v", from, err)
				}
				break
			}
			select {
			case activity <- struct{}{}:
			default:
			}
			if err := writeAllFd(to, buf[:n]); err != nil {
				c.Warn("unable to write to fd %d: %v", to, err)
				break
			}
		}
		// Pass the end of file on: shutdown on a socket, close otherwise.
		if unix.Shutdown(to, unix.SHUT_WR) != nil {
			unix.Close(to)
		}
		unix.Shutdown(from, unix.SHUT_RD)
	}
	wg.Add(2)
	go pump(0, fdw)
	go pump(fdr, 1)
	go func() { wg.Wait(); close(done) }()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	var tick <-chan time.Time
	var timer *time.Timer
	if timeout > 0 {
		timer = time.NewTimer(time.Duration(timeout) * time.Millisecond)
		tick = timer.C
	}
	for {
		select {
		case <-done:
			return 0
		case <-activity:
			if timer != nil {
				timer.Reset(time.Duration(timeout) * time.Millisecond)
			}
		case <-tick:
			for _, fd := range []int{0, 1, fdr, fdw} {
				unix.Shutdown(fd, unix.SHUT_RDWR)
			}
			return 1
		case <-term:
			unix.Shutdown(0, unix.SHUT_RD)
			unix.Shutdown(fdr, unix.SHUT_RD)
			unix.Shutdown(fdw, unix.SHUT_WR)
			unix.Shutdown(1, unix.SHUT_WR)
			return 0
		}
	}
}

func waitReadable(fd int) {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	unix.Poll(p, -1)
}

func writeAllFd(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			unix.Poll(p, -1)
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
