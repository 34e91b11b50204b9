// Package lock provides the fcntl record locks s6 uses on supervise/lock,
// .s6-svscan/lock and logdir locks. They must be fcntl locks, not flock(2),
// or real s6-svok and s6-svstat would not see them.
//
// Locks are taken as open-file-description locks (F_OFD_SETLK): they conflict
// with the classic POSIX locks real s6 takes and tests for, but belong to the
// file description rather than the process, so several supervisors hosted in
// one process each hold their own lock, and closing an unrelated descriptor
// of the same file does not drop it.
package lock

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/rawio"
)

// ErrLocked means another holder has the lock.
var ErrLocked = errors.New("lock is held by another process")

func wholeFile(typ int16) *unix.Flock_t {
	return &unix.Flock_t{Type: typ, Whence: 0, Start: 0, Len: 0}
}

// Acquire opens path (creating it with perm if needed) and takes a write
// lock on the whole file without waiting. The lock files are the daemons'
// own (supervise/lock, .s6-svscan/lock, a logdir's lock): a symlink in
// their place is not followed (O_NOFOLLOW), so a root daemon never creates
// or opens a file elsewhere through one. The returned file holds the lock
// until it is closed; it is close-on-exec.
func Acquire(path string, perm os.FileMode) (*os.File, error) {
	return acquire(path, perm, unix.F_OFD_SETLK)
}

// AcquireWait is Acquire but waits for the lock.
func AcquireWait(path string, perm os.FileMode) (*os.File, error) {
	return acquire(path, perm, unix.F_OFD_SETLKW)
}

func acquire(path string, perm os.FileMode, cmd int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, perm)
	if err != nil {
		return nil, fmt.Errorf("unable to open %s: %w", path, fsutil.Bare(err))
	}
	if err := LockFile(f, cmd == unix.F_OFD_SETLKW); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("unable to lock %s: %w", path, err)
	}
	return f, nil
}

// LockFile takes a write lock on the whole of an open file.
func LockFile(f *os.File, wait bool) error {
	cmd := unix.F_OFD_SETLK
	if wait {
		cmd = unix.F_OFD_SETLKW
	}
	for {
		err := unix.FcntlFlock(f.Fd(), cmd, wholeFile(unix.F_WRLCK))
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN || err == unix.EACCES {
			return ErrLocked
		}
		return err
	}
}

// IsLocked reports whether someone holds a lock on path that would prevent a
// read lock, as s6's fd_islocked does. A missing file is not locked.
func IsLocked(path string) (bool, error) {
	// A raw descriptor: os.Open would set up the runtime's poller for a
	// file that is only asked one question (svok, svstat, svc run this).
	fd, err := rawio.Open(path, unix.O_RDONLY, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	fl := wholeFile(unix.F_RDLCK)
	if err := unix.FcntlFlock(uintptr(fd), unix.F_OFD_GETLK, fl); err != nil {
		return false, fmt.Errorf("unable to test lock on %s: %w", path, err)
	}
	return fl.Type != unix.F_UNLCK, nil
}
