// Package tai64n encodes and decodes TAI64N stamps the way skalibs does on
// Debian (UTC system clock plus 10 s plus the leap-second table, which today
// means label = 2^62 + unix seconds + 37).
package tai64n

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Size is the length of a binary TAI64N stamp; TextSize that of "@" + 24 hex.
const (
	Size     = 12
	TextSize = 25
	base     = uint64(1) << 62
	// LeapOffset is TAI − UTC today (10 s initial offset + 27 leap seconds).
	LeapOffset = 37
)

// Stamp is a TAI64N label: seconds (including the 2^62 base) and nanoseconds.
type Stamp struct {
	Sec  uint64
	Nano uint32
}

// FromTime converts a wall-clock time.
func FromTime(t time.Time) Stamp {
	return Stamp{Sec: base + uint64(t.Unix()) + LeapOffset, Nano: uint32(t.Nanosecond())}
}

// Now is the stamp of the current wall-clock time.
func Now() Stamp { return FromTime(time.Now()) }

// Time converts back to wall-clock time.
func (s Stamp) Time() time.Time {
	return time.Unix(int64(s.Sec-base)-LeapOffset, int64(s.Nano))
}

// IsZero reports an all-zero stamp.
func (s Stamp) IsZero() bool { return s.Sec == 0 && s.Nano == 0 }

// Put writes the 12-byte binary form into b.
func (s Stamp) Put(b []byte) {
	binary.BigEndian.PutUint64(b[0:8], s.Sec)
	binary.BigEndian.PutUint32(b[8:12], s.Nano)
}

// Bytes returns the 12-byte binary form.
func (s Stamp) Bytes() []byte {
	b := make([]byte, Size)
	s.Put(b)
	return b
}

// Get reads a 12-byte binary stamp.
func Get(b []byte) Stamp {
	return Stamp{Sec: binary.BigEndian.Uint64(b[0:8]), Nano: binary.BigEndian.Uint32(b[8:12])}
}

// String is the text form: "@" followed by 24 lowercase hex digits.
func (s Stamp) String() string {
	var b [Size]byte
	s.Put(b[:])
	return "@" + hex.EncodeToString(b[:])
}

// AppendText appends the text form to dst without allocating a string.
func (s Stamp) AppendText(dst []byte) []byte {
	var b [Size]byte
	s.Put(b[:])
	dst = append(dst, '@')
	return hex.AppendEncode(dst, b[:])
}

// Parse reads the text form "@" + 24 hex digits.
func Parse(text string) (Stamp, error) {
	if len(text) != TextSize || text[0] != '@' {
		return Stamp{}, fmt.Errorf("not a TAI64N label: %q", text)
	}
	var b [Size]byte
	if _, err := hex.Decode(b[:], []byte(text[1:])); err != nil {
		return Stamp{}, fmt.Errorf("not a TAI64N label: %q", text)
	}
	return Get(b[:]), nil
}

// Sub returns s − o as a duration (negative if o is later).
func (s Stamp) Sub(o Stamp) time.Duration {
	return time.Duration(int64(s.Sec)-int64(o.Sec))*time.Second + time.Duration(int64(s.Nano)-int64(o.Nano))
}
