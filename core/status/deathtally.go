package status

import (
	"fmt"
	"os"
	"path/filepath"

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

// ReadDeaths reads DIR/supervise/death_tally. A missing file is an empty tally.
func ReadDeaths(serviceDir string) ([]Death, error) {
	b, err := rawio.ReadFile(filepath.Join(serviceDir, "supervise", "death_tally"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeDeaths(b), nil
}

// AppendDeath adds d to supervisePath/death_tally keeping the newest max
// records, rewriting the file atomically. max 0 keeps none.
func AppendDeath(supervisePath string, d Death, max int) error {
	p := filepath.Join(supervisePath, "death_tally")
	b, err := rawio.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("unable to read %s: %w", p, err)
	}
	ds := append(DecodeDeaths(b), d)
	if len(ds) > max {
		ds = ds[len(ds)-max:]
	}
	return WriteFileAtomic(p, EncodeDeaths(ds))
}
