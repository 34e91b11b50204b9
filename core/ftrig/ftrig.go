// Package ftrig implements s6's event fifodir: a directory in which each
// listener creates a named fifo "ftrig1:@<TAI64N>:<6 chars>" and notifiers
// write event bytes into every such fifo.
package ftrig

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/rawio"
	"s6box/core/tai64n"
)

const (
	prefix  = "ftrig1:@"
	nameLen = 39 // "ftrig1:@" + 24 hex + ":" + 6 chars
)

// MakeFifodir creates dir if it is missing: private (mode 03730, group = our
// egid) or public (01733). An existing directory is left alone unless force.
func MakeFifodir(dir string, public, force bool) error {
	mode := os.FileMode(0o730) | os.ModeSetgid | os.ModeSticky
	if public {
		mode = os.FileMode(0o733) | os.ModeSticky
	}
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("unable to create fifodir %s: %w", dir, fsutil.Bare(err))
	}
	if err != nil && !force {
		st, serr := os.Stat(dir)
		if serr != nil {
			return fmt.Errorf("unable to stat fifodir %s: %w", dir, fsutil.Bare(serr))
		}
		if !st.IsDir() {
			return fmt.Errorf("fifodir %s: %w", dir, syscall.ENOTDIR)
		}
		return nil
	}
	if !public {
		if err := os.Lchown(dir, -1, os.Getegid()); err != nil {
			return fmt.Errorf("unable to chown fifodir %s: %w", dir, err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("unable to chmod fifodir %s: %w", dir, err)
	}
	return nil
}

// Notify writes events (in one write) to every listener fifo in dir. Fifos
// with no reader are removed, as s6 does. It returns the first error that is
// not about a single vanished listener.
//
// The fifodir is writable by a group (or by everyone) while the notifier
// is often root, so an entry named like a listener is not trusted: it is
// opened relative to the directory, without following a symlink and
// without blocking, and written to only if fstat calls it a fifo. Anything
// else is skipped and left alone.
func Notify(dir string, events []byte) error {
	// Plain system calls: every state change of every supervisor lists
	// its fifodir, and os.Open would register it with the poller first.
	dfd, err := rawio.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("unable to read fifodir %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	names, err := rawio.ReadDirNamesFd(dfd, dir)
	if err != nil {
		return fmt.Errorf("unable to read fifodir %s: %w", dir, fsutil.Bare(err))
	}
	for _, n := range names {
		if len(n) != nameLen || !strings.HasPrefix(n, prefix) {
			continue
		}
		notifyOne(dfd, n, events)
	}
	return nil
}

// notifyOne writes events to the listener fifo name of the directory dfd.
func notifyOne(dfd int, name string, events []byte) {
	fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ENXIO {
			// a fifo without a reader: a listener that went away
			unix.Unlinkat(dfd, name, 0)
		}
		return
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return
	}
	if _, err := unix.Write(fd, events); err == unix.EPIPE {
		unix.Unlinkat(dfd, name, 0)
	}
}

// Listener is a subscription to a fifodir. It holds raw descriptors, not
// *os.File: a client such as svc -w is one short-lived thread, and waiting
// with poll(2) spares it the runtime's network poller and the goroutines
// and threads that come with it.
type Listener struct {
	rfd, wfd int
	path     string
	deadline time.Time
}

const randChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// ErrDeadline is returned by Read when the deadline set by SetDeadline passes.
var ErrDeadline = os.ErrDeadlineExceeded

// Subscribe creates a listener fifo in dir, opened for reading (and held
// open for writing too, so reads never see end-of-file).
func Subscribe(dir string) (*Listener, error) {
	var suffix [6]byte
	for i := range suffix {
		suffix[i] = randChars[rand.IntN(len(randChars))]
	}
	name := prefix[:len(prefix)-1] + tai64n.Now().String() + ":" + string(suffix[:])
	hidden := dir + "/." + name
	visible := dir + "/" + name
	if err := syscall.Mkfifo(hidden, 0o600); err != nil {
		return nil, fmt.Errorf("unable to create fifo %s: %w", hidden, err)
	}
	rfd, err := syscall.Open(hidden, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Unlink(hidden)
		return nil, fmt.Errorf("unable to open fifo %s: %w", hidden, err)
	}
	wfd, err := syscall.Open(hidden, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Close(rfd)
		syscall.Unlink(hidden)
		return nil, fmt.Errorf("unable to open fifo %s: %w", hidden, err)
	}
	if err := syscall.Rename(hidden, visible); err != nil {
		syscall.Close(rfd)
		syscall.Close(wfd)
		syscall.Unlink(hidden)
		return nil, fmt.Errorf("unable to rename %s: %w", hidden, err)
	}
	return &Listener{rfd: rfd, wfd: wfd, path: visible}, nil
}

// Fd is the reading end, non-blocking, for callers that poll several
// listeners at once (then ReadNow reads what is there).
func (l *Listener) Fd() int { return l.rfd }

// PollFile is a second descriptor of the reading end as an *os.File, for
// long-running callers with many concurrent waits: its reads park the
// goroutine in the runtime's network poller instead of holding a thread.
// The caller closes it.
func (l *Listener) PollFile() (*os.File, error) {
	fd, err := unix.FcntlInt(uintptr(l.rfd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("unable to duplicate fifo descriptor of %s: %w", l.path, err)
	}
	return os.NewFile(uintptr(fd), l.path), nil
}

// ReadNow reads the event bytes already in the fifo without waiting; it
// returns 0 and no error when there are none.
func (l *Listener) ReadNow(p []byte) (int, error) {
	for {
		n, err := syscall.Read(l.rfd, p)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		}
		return 0, fmt.Errorf("unable to read fifo %s: %w", l.path, err)
	}
}

// Read reads event bytes, blocking until some arrive or the deadline passes
// (then it returns ErrDeadline).
func (l *Listener) Read(p []byte) (int, error) {
	for {
		if n, err := l.ReadNow(p); n > 0 || err != nil {
			return n, err
		}
		ok, err := WaitReadable([]int{l.rfd}, l.deadline)
		if err != nil {
			return 0, fmt.Errorf("unable to wait on fifo %s: %w", l.path, err)
		}
		if !ok {
			return 0, ErrDeadline
		}
	}
}

// SetDeadline bounds the next reads; the zero time means no bound.
func (l *Listener) SetDeadline(t time.Time) error {
	l.deadline = t
	return nil
}

// Path is the listener fifo's path.
func (l *Listener) Path() string { return l.path }

// Close unsubscribes: removes the fifo and closes it.
func (l *Listener) Close() error {
	err := syscall.Unlink(l.path)
	syscall.Close(l.rfd)
	syscall.Close(l.wfd)
	if err != nil {
		return &os.PathError{Op: "remove", Path: l.path, Err: err}
	}
	return nil
}

// WaitReadable blocks in poll(2) until one of fds is readable (true) or the
// deadline passes (false); a zero deadline waits forever. Interruptions by
// signals are retried with the time that is left.
func WaitReadable(fds []int, deadline time.Time) (bool, error) {
	pfds := make([]unix.PollFd, len(fds))
	for i, fd := range fds {
		pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	}
	for {
		timeout := -1
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return false, nil
			}
			// round up, so that a wait never ends before the deadline
			timeout = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := unix.Poll(pfds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
	}
}
