package logger

import (
	"time"

	"s6box/core/tai64n"
)

const hexDigits = "0123456789abcdef"

// appendTAI appends "@" + 24 hex digits + " " for t.
func appendTAI(dst []byte, t time.Time) []byte {
	s := tai64n.FromTime(t)
	var b [tai64n.Size]byte
	s.Put(b[:])
	dst = append(dst, '@')
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(dst, ' ')
}

// isoCache formats local time, reformatting the date and clock part only
// when the second changes.
type isoCache struct {
	sec  int64
	head []byte // "YYYY-MM-DD HH:MM:SS"
}

// appendISO appends "YYYY-MM-DD HH:MM:SS.nnnnnnnnn  " (two spaces) for t.
func (c *isoCache) appendISO(dst []byte, t time.Time) []byte {
	if sec := t.Unix(); sec != c.sec || c.head == nil {
		c.sec = sec
		c.head = t.Local().AppendFormat(c.head[:0], "2006-01-02 15:04:05")
	}
	dst = append(dst, c.head...)
	dst = append(dst, '.')
	ns := t.Nanosecond()
	var b [9]byte
	for i := 8; i >= 0; i-- {
		b[i] = byte('0' + ns%10)
		ns /= 10
	}
	dst = append(dst, b[:]...)
	return append(dst, ' ', ' ')
}
