// Package setlock takes the fcntl record lock of s6-setlock on a descriptor
// that is meant to outlive an exec: the descriptor is not close-on-exec and
// the lock is a classic POSIX lock, owned by the process, exactly as the
// program exec'ed next would hold it under real s6.
package setlock

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrBusy means the lock is held elsewhere (and waiting was not asked for or
// timed out).
var ErrBusy = errors.New("lock is busy")

// Options say how to lock.
type Options struct {
	Shared  bool // -r: read lock on a read-only descriptor
	NoWait  bool // -n
	Timed   bool // -t: give up after Timeout (0: at once)
	Timeout time.Duration
}

// Lock opens (creating with 0666 & ~umask if missing) path and locks the
// whole file. The returned descriptor is inheritable across exec.
func Lock(path string, o Options) (int, error) {
	// Non-blocking open flags, as s6's: the program sees the same
	// descriptor flags.
	flags, typ := unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CREAT, int16(unix.F_WRLCK)
	if o.Shared {
		if fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o666); err == nil {
			unix.Close(fd)
		} else if err != unix.EEXIST && err != unix.EACCES && err != unix.EISDIR {
			return -1, fmt.Errorf("unable to create %s: %w", path, err)
		}
		flags, typ = unix.O_RDONLY|unix.O_NONBLOCK, unix.F_RDLCK
	}
	fd, err := unix.Open(path, flags, 0o666)
	if err != nil {
		return -1, fmt.Errorf("unable to open %s: %w", path, err)
	}
	fl := &unix.Flock_t{Type: typ}
	setlk := func(cmd int) error {
		for {
			err := unix.FcntlFlock(uintptr(fd), cmd, fl)
			if err != unix.EINTR {
				return err
			}
		}
	}
	switch {
	case o.NoWait:
		err = setlk(unix.F_SETLK)
		if err == unix.EAGAIN || err == unix.EACCES {
			err = fmt.Errorf("%w: %w", ErrBusy, syscall.EBUSY)
		}
	case o.Timed:
		// A free lock is taken at once, even with a zero timeout.
		if err = setlk(unix.F_SETLK); err != unix.EAGAIN && err != unix.EACCES {
			break
		}
		if o.Timeout == 0 {
			err = fmt.Errorf("%w: %w", ErrBusy, syscall.ETIMEDOUT)
			break
		}
		// The blocking call runs on its own thread; when the timer wins the
		// caller exits, and the process with it.
		done := make(chan error, 1)
		go func() { done <- setlk(unix.F_SETLKW) }()
		t := time.NewTimer(o.Timeout)
		select {
		case err = <-done:
			t.Stop()
		case <-t.C:
			err = fmt.Errorf("%w: %w", ErrBusy, syscall.ETIMEDOUT)
		}
	default:
		err = setlk(unix.F_SETLKW)
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("unable to lock %s: %w", path, err)
	}
	return fd, nil
}
