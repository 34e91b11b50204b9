// Package stamp holds the tai64n and tai64nlocal filters: the first puts a
// TAI64N label in front of every line, the second turns leading labels into
// local time.
package stamp

import (
	"bufio"
	"errors"
	"io"
	"time"

	"s6box/core/tai64n"
)

// flusher writes out when the reader has nothing more buffered, so the
// filters stay interactive on pipes.
func flushIfIdle(r *bufio.Reader, w *bufio.Writer) error {
	if r.Buffered() == 0 {
		return w.Flush()
	}
	return nil
}

// Prepend copies r to w, writing "@<24 hex> " (the time the line's first
// byte was read) in front of every line. An unterminated last line is copied
// without a newline.
func Prepend(r io.Reader, w io.Writer, now func() time.Time) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	atStart := true
	var head []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if atStart {
				head = tai64n.FromTime(now()).AppendText(head[:0])
				head = append(head, ' ')
				bw.Write(head)
			}
			bw.Write(chunk)
			atStart = chunk[len(chunk)-1] == '\n'
		}
		if done, ferr := endOfRead(br, bw, err); done {
			return ferr
		}
	}
}

// LocalFormat is the layout tai64nlocal writes (then 9 digits of nanoseconds).
const LocalFormat = "2006-01-02 15:04:05"

// AppendLocal appends the local time of s as "YYYY-MM-DD HH:MM:SS.nnnnnnnnn".
func AppendLocal(dst []byte, s tai64n.Stamp) []byte {
	t := s.Time().Local()
	dst = t.AppendFormat(dst, LocalFormat)
	ns := int(s.Nano % 1000000000)
	var b [10]byte
	b[0] = '.'
	for i := 9; i >= 1; i-- {
		b[i] = byte('0' + ns%10)
		ns /= 10
	}
	return append(dst, b[:]...)
}

// Localize copies r to w, replacing a TAI64N label at the start of a line by
// local time; everything else is copied unchanged.
func Localize(r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	atStart := true
	var out []byte
	for {
		var chunk []byte
		var err error
		if atStart {
			// A label needs 25 bytes: look at them before reading the line.
			if p, _ := br.Peek(tai64n.TextSize); len(p) == tai64n.TextSize && p[0] == '@' {
				if s, perr := tai64n.Parse(string(p)); perr == nil {
					br.Discard(tai64n.TextSize)
					out = AppendLocal(out[:0], s)
					bw.Write(out)
					atStart = false
					continue
				}
			}
		}
		chunk, err = br.ReadSlice('\n')
		if len(chunk) > 0 {
			bw.Write(chunk)
			atStart = chunk[len(chunk)-1] == '\n'
		}
		if done, ferr := endOfRead(br, bw, err); done {
			return ferr
		}
	}
}

// endOfRead is what both filters do after each read: at end of input or on a
// read error flush and stop (EOF is a clean stop), otherwise flush when no
// more input is waiting. done reports that the filter must return err.
func endOfRead(br *bufio.Reader, bw *bufio.Writer, readErr error) (done bool, err error) {
	if readErr != nil && !errors.Is(readErr, bufio.ErrBufferFull) {
		ferr := bw.Flush()
		if readErr == io.EOF {
			return true, ferr
		}
		return true, readErr
	}
	if ferr := flushIfIdle(br, bw); ferr != nil {
		return true, ferr
	}
	return false, nil
}
