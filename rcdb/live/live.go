// Package live is s6-rc's live directory: the link to the compiled
// database, the scan directory, the prefix, the state bytes and the copies
// of the longruns' service directories that the supervisors run.
//
// LIVE is a symlink to LIVE:s6-rc-init:XXXXXX containing
//
//	compiled     symlink to the compiled database in use
//	scandir      symlink to the scan directory
//	prefix       the prefix of the scandir links (no newline)
//	state        one byte per atom: bit0 up, bit1 explicitly wanted up
//	lock         fcntl lock: exclusive for changes, shared for queries
//	servicedirs/ one live service directory per longrun
package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/core/status"
	"s6box/rcdb"
)

// State bits.
const (
	StateUp     = 1 << 0
	StateWanted = 1 << 1
)

// Live is an opened live directory with its locks held.
type Live struct {
	Dir   string
	DB    *rcdb.DB
	State []byte
	locks []*os.File
}

// LockFile takes an fcntl lock (OFD, whole file) on path: shared or
// exclusive, waiting or not. EBUSY is reported when it is held.
func LockFile(path string, exclusive, wait bool) (*os.File, error) {
	flags, typ := os.O_RDONLY, int16(unix.F_RDLCK)
	if exclusive {
		flags, typ = os.O_RDWR, unix.F_WRLCK
	}
	f, err := os.OpenFile(path, flags|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	cmd := unix.F_OFD_SETLK
	if wait {
		cmd = unix.F_OFD_SETLKW
	}
	for {
		err = unix.FcntlFlock(f.Fd(), cmd, &unix.Flock_t{Type: typ})
		if err != unix.EINTR {
			break
		}
	}
	if err == unix.EAGAIN || err == unix.EACCES {
		err = syscall.EBUSY
	}
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "lock", Path: path, Err: err}
	}
	return f, nil
}

// Options of Open.
type Options struct {
	Exclusive bool // take LIVE/lock exclusively (state changes)
	Block     bool // wait for the locks
	NoLock    bool // take no lock on LIVE/lock (the caller holds it)
}

// Open locks and reads a live directory.
func Open(dir string, o Options) (*Live, error) {
	l := &Live{Dir: dir}
	if !o.NoLock {
		f, err := LockFile(filepath.Join(dir, "lock"), o.Exclusive, o.Block)
		if err != nil {
			return nil, rcdb.Errorf(111, "unable to take locks: %v", lockErr(err))
		}
		l.locks = append(l.locks, f)
	}
	f, err := LockFile(filepath.Join(dir, "compiled", "lock"), false, o.Block)
	if err != nil {
		l.Close()
		return nil, rcdb.Errorf(111, "unable to take locks: %v", lockErr(err))
	}
	l.locks = append(l.locks, f)
	db, err := rcdb.Load(filepath.Join(dir, "compiled"))
	if err != nil {
		l.Close()
		return nil, err
	}
	l.DB = db
	st, err := os.ReadFile(filepath.Join(dir, "state"))
	if err != nil || len(st) != len(db.Atoms) {
		l.Close()
		return nil, rcdb.Errorf(4, "unable to read valid state in %s/state", dir)
	}
	l.State = st
	return l, nil
}

func lockErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		if pe.Op == "lock" {
			return pe.Err
		}
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// Close releases the locks.
func (l *Live) Close() {
	for _, f := range l.locks {
		f.Close()
	}
	l.locks = nil
}

// ServiceDir is the live service directory of a longrun.
func (l *Live) ServiceDir(name string) string {
	return filepath.Join(l.Dir, "servicedirs", name)
}

// Up reports whether atom i is up according to s6-rc.
func (l *Live) Up(i int) bool { return l.State[i]&StateUp != 0 }

// WriteState writes the state file atomically.
func (l *Live) WriteState() error {
	if err := status.WriteFileAtomic(filepath.Join(l.Dir, "state"), l.State); err != nil {
		return fmt.Errorf("unable to write %s/state: %w", l.Dir, err)
	}
	return nil
}
