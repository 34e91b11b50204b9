package scanner

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"
)

func (s *Scanner) readControl() {
	buf := make([]byte, 4096) // PIPE_BUF: a flood is read in few chunks
	for {
		n, err := s.ctlR.Read(buf)
		if n > 0 {
			b := make([]byte, n)
			copy(b, buf[:n])
			s.ctl <- b
		}
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// control obeys the bytes of one read of .s6-svscan/control. Unknown bytes
// are ignored with one warning per read, not one per byte: whoever may
// write the fifo could otherwise flood the log (100 KB of garbage would be
// 100,000 lines).
func (s *Scanner) control(b []byte) {
	unknown, first := 0, byte(0)
	defer func() {
		switch {
		case unknown == 1:
			s.logf("warning", "received unknown control command: %s", strconv.QuoteRune(rune(first)))
		case unknown > 1:
			s.logf("warning", "received %d unknown control command bytes (the first: %s)", unknown, strconv.QuoteRune(rune(first)))
		}
	}()
	for _, c := range b {
		switch c {
		case 'z':
			s.c.Reaper.ReapNow()
		case 'a':
			s.scan()
		case 'h':
			s.scan()
			s.prune(syscall.SIGHUP)
		case 'n':
			s.prune(syscall.SIGHUP)
		case 'N':
			s.prune(syscall.SIGTERM)
		case 't', 'i':
			s.startExit(teardown)
		case 'q':
			s.startExit(quit)
		case 'b':
			s.abort = true
		default:
			if unknown == 0 {
				first = c
			}
			unknown++
		}
	}
}
