package status

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/rawio"
	"s6box/core/tai64n"
)

// supervise/backoff is an s6box extension, not an s6 file: while the
// supervisor holds back the restart of a crash-looping service (the
// service directory has a restart-backoff file), it says when the next
// start is due. It exists only while such a start is pending, so
// supervise/status keeps s6's 35 bytes and a service without
// restart-backoff never has the file.
//
// Layout, 20 bytes: the TAI64N label of the next start (12 bytes), then
// the delay in milliseconds, big-endian (8 bytes).

// BackoffSize is the length of supervise/backoff.
const BackoffSize = 20

// BackoffName is the file's name in supervise/.
const BackoffName = "backoff"

// Backoff is a pending delayed start.
type Backoff struct {
	Next  tai64n.Stamp  // when run is started
	Delay time.Duration // how long the start was delayed, in whole ms
}

// Encode returns the 20 bytes.
func (b Backoff) Encode() []byte {
	out := make([]byte, BackoffSize)
	b.Next.Put(out[0:12])
	binary.BigEndian.PutUint64(out[12:20], uint64(b.Delay/time.Millisecond))
	return out
}

// ErrBackoffSize is returned for a supervise/backoff that is not 20 bytes.
var ErrBackoffSize = errors.New("backoff file is not 20 bytes")

// DecodeBackoff parses exactly BackoffSize bytes.
func DecodeBackoff(b []byte) (Backoff, error) {
	if len(b) != BackoffSize {
		return Backoff{}, ErrBackoffSize
	}
	ms := binary.BigEndian.Uint64(b[12:20])
	if ms > uint64(1<<62)/uint64(time.Millisecond) {
		ms = uint64(1<<62) / uint64(time.Millisecond)
	}
	return Backoff{Next: tai64n.Get(b[0:12]), Delay: time.Duration(ms) * time.Millisecond}, nil
}

// ReadBackoff reads DIR/supervise/backoff: a regular file that is not a
// symlink, opened without blocking, at most one byte more than its size
// read. ok is false when the file does not exist (no start is held back).
func ReadBackoff(serviceDir string) (b Backoff, ok bool, err error) {
	p := filepath.Join(serviceDir, "supervise", BackoffName)
	raw, err := rawio.ReadRegular(p, unix.O_NOFOLLOW, BackoffSize+1)
	if errors.Is(err, os.ErrNotExist) {
		return Backoff{}, false, nil
	}
	if err != nil {
		return Backoff{}, false, err
	}
	b, err = DecodeBackoff(raw)
	if err != nil {
		return Backoff{}, false, fmt.Errorf("%s: %w", p, err)
	}
	return b, true, nil
}

// WriteBackoff replaces supervisePath/backoff atomically (WriteFileAtomic).
func WriteBackoff(supervisePath string, b Backoff) error {
	return WriteFileAtomic(filepath.Join(supervisePath, BackoffName), b.Encode())
}

// RemoveBackoff removes supervisePath/backoff; a missing file is no error.
func RemoveBackoff(supervisePath string) error {
	p := filepath.Join(supervisePath, BackoffName)
	if err := syscall.Unlink(p); err != nil && err != syscall.ENOENT {
		return fmt.Errorf("unable to remove %s: %w", p, err)
	}
	return nil
}
