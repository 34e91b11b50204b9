// Package status reads and writes supervise/status (35 bytes, the s6 2.11
// layout), supervise/death_tally (14-byte records) and, an s6box extension,
// supervise/backoff (20 bytes, see backoff.go).
package status

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/rawio"
	"s6box/core/tai64n"
)

// Size is the length of supervise/status.
const Size = 35

// Flag bits of byte 34.
const (
	FlagPaused    = 1 << 0
	FlagFinishing = 1 << 1
	FlagWantUp    = 1 << 2
	FlagReady     = 1 << 3
)

// Status is the decoded content of supervise/status.
type Status struct {
	Stamp      tai64n.Stamp // last up/down transition
	ReadyStamp tai64n.Stamp // last readiness, or last "down and ready"
	PID        uint64       // run's pid when up, finish's pid while finishing, 0 when down
	Wstat      uint16       // raw wait status of the last death of run
	Paused     bool
	Finishing  bool
	WantUp     bool
	Ready      bool
}

// Up reports whether run is alive: a pid and not finishing.
func (s Status) Up() bool { return s.PID != 0 && !s.Finishing }

// Signaled reports whether the last death was by a signal.
func (s Status) Signaled() bool { return s.Wstat&0x7f != 0 && s.Wstat&0x7f != 0x7f }

// ExitCode of the last death (meaningful when !Signaled()).
func (s Status) ExitCode() int { return int(s.Wstat>>8) & 0xff }

// Signal that killed run last (meaningful when Signaled()).
func (s Status) Signal() int { return int(s.Wstat & 0x7f) }

// Encode returns the 35 bytes.
func (s Status) Encode() []byte {
	b := make([]byte, Size)
	s.Stamp.Put(b[0:12])
	s.ReadyStamp.Put(b[12:24])
	binary.BigEndian.PutUint64(b[24:32], s.PID)
	binary.BigEndian.PutUint16(b[32:34], s.Wstat)
	var f byte
	if s.Paused {
		f |= FlagPaused
	}
	if s.Finishing {
		f |= FlagFinishing
	}
	if s.WantUp {
		f |= FlagWantUp
	}
	if s.Ready {
		f |= FlagReady
	}
	b[34] = f
	return b
}

// ErrShort is returned for a status file shorter than 35 bytes.
var ErrShort = errors.New("status file is shorter than 35 bytes")

// Decode parses at least 35 bytes (extra bytes are ignored, as s6 does).
func Decode(b []byte) (Status, error) {
	if len(b) < Size {
		return Status{}, ErrShort
	}
	f := b[34]
	return Status{
		Stamp:      tai64n.Get(b[0:12]),
		ReadyStamp: tai64n.Get(b[12:24]),
		PID:        binary.BigEndian.Uint64(b[24:32]),
		Wstat:      binary.BigEndian.Uint16(b[32:34]),
		Paused:     f&FlagPaused != 0,
		Finishing:  f&FlagFinishing != 0,
		WantUp:     f&FlagWantUp != 0,
		Ready:      f&FlagReady != 0,
	}, nil
}

// Read reads DIR/supervise/status: 35 bytes at most, from a regular file
// that is not a symlink (rawio.ReadRegular), so a fifo, /dev/zero or a
// symlink put in its place is an error, not a hang or gigabytes read.
func Read(serviceDir string) (Status, error) {
	p := filepath.Join(serviceDir, "supervise", "status")
	b, err := rawio.ReadRegular(p, unix.O_NOFOLLOW, Size)
	if err != nil {
		return Status{}, err
	}
	s, err := Decode(b)
	if err != nil {
		return Status{}, fmt.Errorf("%s: %w", p, err)
	}
	return s, nil
}

// Write replaces supervisePath/status atomically (see WriteFileAtomic),
// with mode 0666 & ~umask like s6.
func Write(supervisePath string, s Status) error {
	return WriteFileAtomic(filepath.Join(supervisePath, "status"), s.Encode())
}

// WriteFileAtomic writes NAME.new (0666 & ~umask) and puts it in place of
// NAME, so that a reader opens either the whole old file or the whole new
// one, and the old file's contents never change under a reader.
//
// The new file is swapped in with renameat2(RENAME_EXCHANGE) and the old
// one, left under the temporary name, is then unlinked. On ext4 a plain
// rename over an existing file first starts writeback of the new file
// (auto_da_alloc), which costs 0.2 to 1 ms on every status change of every
// supervisor; an exchange does not. Where the exchange is not possible (no
// NAME yet, a filesystem or kernel without it) it is a plain rename.
func WriteFileAtomic(path string, data []byte) error {
	// Raw system calls: os.OpenFile would also try to register the file with
	// the runtime's poller and os.Rename would stat the target first, extra
	// work on every transition of every supervisor.
	//
	// NAME.new is created, never opened if it exists: whatever is left
	// under that name (a symlink, a fifo) is removed first, so the write
	// cannot go through a link nor block on a fifo.
	tmp := path + ".new"
	fd, err := rawio.CreateFresh(tmp, 0o666)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", tmp, fsutil.Bare(err))
	}
	if err := rawio.WriteAll(fd, data); err != nil {
		syscall.Close(fd)
		syscall.Unlink(tmp)
		return fmt.Errorf("unable to write %s: %w", tmp, err)
	}
	if err := syscall.Close(fd); err != nil {
		syscall.Unlink(tmp)
		return fmt.Errorf("unable to write %s: %w", tmp, err)
	}
	if unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE) == nil {
		// tmp now names the previous file: readers that opened it keep
		// what they opened.
		err := syscall.Unlink(tmp)
		if err == syscall.EISDIR {
			// NAME was a directory: put it back, as a rename would have
			// refused to replace it.
			unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
			syscall.Unlink(tmp)
			return fmt.Errorf("unable to rename %s to %s: %w", tmp, path, syscall.EISDIR)
		}
		if err != nil && err != syscall.ENOENT {
			return fmt.Errorf("unable to remove the previous %s (now %s): %w", path, tmp, err)
		}
		return nil
	}
	if err := syscall.Rename(tmp, path); err != nil {
		syscall.Unlink(tmp)
		return fmt.Errorf("unable to rename %s to %s: %w", tmp, path, err)
	}
	return nil
}

// WaitStatusFromSys converts a Go wait status to the raw 16-bit wstat.
func WaitStatusFromSys(ws syscall.WaitStatus) uint16 { return uint16(ws) }
