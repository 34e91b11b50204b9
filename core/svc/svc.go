// Package svc sends commands to a supervisor through DIR/supervise/control,
// the way s6-svc does: all command bytes in one write, and the failure
// classified so the applet can choose s6's exit code.
package svc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// MaxCommands is the most command bytes one s6-svc call may send.
const MaxCommands = 62

// Kind classifies a failure to control a service.
type Kind int

const (
	// System is a system call failure (including a missing service directory).
	System Kind = iota
	// NotListening means the control fifo has no reader: no supervisor runs.
	NotListening
	// BadSuperviseDir means the service directory exists but its
	// supervise/control is missing or not a fifo.
	BadSuperviseDir
)

// Error is a failure to control a service.
type Error struct {
	Dir  string
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	switch e.Kind {
	case NotListening:
		return "unable to control " + e.Dir + ": supervisor not listening"
	case BadSuperviseDir:
		return fmt.Sprintf("something is wrong with the %s/supervise directory: %v", e.Dir, e.Err)
	}
	return fmt.Sprintf("unable to control %s: %v", e.Dir, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Write sends cmds to DIR's supervisor in a single write.
func Write(dir string, cmds []byte) error {
	p := filepath.Join(dir, "supervise", "control")
	fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		switch err {
		case syscall.ENXIO:
			return &Error{Dir: dir, Kind: NotListening, Err: err}
		case syscall.ENOENT, syscall.ENOTDIR, syscall.EISDIR:
			if st, serr := os.Stat(dir); serr == nil && st.IsDir() {
				return &Error{Dir: dir, Kind: BadSuperviseDir, Err: err}
			}
		}
		return &Error{Dir: dir, Kind: System, Err: err}
	}
	defer syscall.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &Error{Dir: dir, Kind: System, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return &Error{Dir: dir, Kind: BadSuperviseDir, Err: errors.New("supervise/control is not a fifo")}
	}
	if len(cmds) == 0 {
		return nil
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		return &Error{Dir: dir, Kind: System, Err: err}
	}
	for {
		n, err := syscall.Write(fd, cmds)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			if err == syscall.EPIPE {
				return &Error{Dir: dir, Kind: NotListening, Err: err}
			}
			return &Error{Dir: dir, Kind: System, Err: err}
		}
		if n != len(cmds) {
			return &Error{Dir: dir, Kind: System, Err: syscall.EAGAIN}
		}
		return nil
	}
}
