package status

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"s6box/core/rawio"
	"s6box/core/tai64n"
)

// DeathRecordSize is the length of one death_tally record.
const DeathRecordSize = 14

// Death is one death_tally record.
type Death struct {
	Stamp tai64n.Stamp
	Code  byte // exit code, or 128+signal when signalled
	Sig   byte // signal number, or 0
}

// DeathFromWstat builds a record from a raw wait status.
func DeathFromWstat(stamp tai64n.Stamp, wstat uint16) Death {
	s := Status{Wstat: wstat}
	if s.Signaled() {
		return Death{Stamp: stamp, Code: byte(128 + s.Signal()), Sig: byte(s.Signal())}
	}
	return Death{Stamp: stamp, Code: byte(s.ExitCode())}
}

// EncodeDeaths serialises records.
func EncodeDeaths(ds []Death) []byte {
	b := make([]byte, 0, len(ds)*DeathRecordSize)
	for _, d := range ds {
		var r [DeathRecordSize]byte
		d.Stamp.Put(r[0:12])
		r[12], r[13] = d.Code, d.Sig
		b = append(b, r[:]...)
	}
	return b
}

// DecodeDeaths parses records; a length that is not a multiple of 14 yields
// an empty list, as s6-supervise treats such a file.
func DecodeDeaths(b []byte) []Death {
	if len(b)%DeathRecordSize != 0 {
		return nil
	}
	ds := make([]Death, 0, len(b)/DeathRecordSize)
	for i := 0; i+DeathRecordSize <= len(b); i += DeathRecordSize {
		ds = append(ds, Death{Stamp: tai64n.Get(b[i : i+12]), Code: b[i+12], Sig: b[i+13]})
	}
	return ds
}

// MaxDeaths is the most records a death_tally holds (max-death-tally's
// ceiling, as in s6).
const MaxDeaths = 4096

// ErrTallyTooLarge is returned for a death_tally longer than MaxDeaths
// records.
var ErrTallyTooLarge = errors.New("death_tally holds more than 4096 records")

// readTally reads the file p: a regular file that is not a symlink, of at
// most MaxDeaths records (one byte more is read to tell), so a fifo,
// /dev/zero or a huge file is an error.
func readTally(p string) ([]Death, error) {
	b, err := rawio.ReadRegular(p, unix.O_NOFOLLOW, MaxDeaths*DeathRecordSize+1)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxDeaths*DeathRecordSize {
		return nil, fmt.Errorf("%s: %w", p, ErrTallyTooLarge)
	}
	return DecodeDeaths(b), nil
}

// LoadDeaths reads DIR/supervise/death_tally (see readTally); a missing
// file is an error, as for s6-svdt.
func LoadDeaths(serviceDir string) ([]Death, error) {
	return readTally(filepath.Join(serviceDir, "supervise", "death_tally"))
}

// ReadDeaths is LoadDeaths, but a missing file is an empty tally.
func ReadDeaths(serviceDir string) ([]Death, error) {
	ds, err := LoadDeaths(serviceDir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	return ds, err
}

// AppendDeath adds d to supervisePath/death_tally keeping the newest max
// records, rewriting the file atomically. max 0 keeps none. A tally that
// cannot be read (not a regular file, too large) is replaced by a new one
// holding d, and the error says so.
func AppendDeath(supervisePath string, d Death, max int) error {
	p := filepath.Join(supervisePath, "death_tally")
	ds, rerr := readTally(p)
	if os.IsNotExist(rerr) {
		rerr = nil
	}
	ds = append(ds, d)
	if len(ds) > max {
		ds = ds[len(ds)-max:]
	}
	if err := WriteFileAtomic(p, EncodeDeaths(ds)); err != nil {
		return err
	}
	if rerr != nil {
		return fmt.Errorf("unable to read %s, replaced it with a new tally: %w", p, rerr)
	}
	return nil
}
