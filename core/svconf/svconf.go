// Package svconf parses the small configuration files of a service
// directory the way s6-supervise reads them: the number files
// (notification-fd, lock-fd, timeout-kill, timeout-finish, max-death-tally)
// and the signal files (down-signal, reload-signal), and restart-backoff,
// an s6box extension.
package svconf

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"s6box/core/fsutil"
	"s6box/core/signame"
)

// ParseUint reads the content of a number file: at most its first 11 bytes,
// cut at the first newline, a leading decimal prefix. ok is false when no
// digit starts the content.
func ParseUint(b []byte) (n uint64, ok bool) {
	if len(b) > 11 {
		b = b[:11]
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint64(b[i]-'0')
	}
	return n, i > 0
}

// ParseSignal reads the content of a signal file: the first line of its
// first 15 bytes, blanks around it ignored, a name or a number as signame
// parses them. ok is false for anything else.
func ParseSignal(b []byte) (sig syscall.Signal, ok bool) {
	if len(b) > 15 {
		b = b[:15]
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	n, ok := signame.Parse(strings.TrimSpace(string(b)))
	return syscall.Signal(n), ok
}

// InvalidError is a number file whose content does not start with a digit.
type InvalidError struct {
	Path string
}

func (e *InvalidError) Error() string { return "invalid " + e.Path }

// ReadError is a number file that could not be read.
type ReadError struct {
	Path string
	Err  error
}

func (e *ReadError) Error() string { return "unable to read " + e.Path + ": " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// ReadNotificationFd reads the descriptor number in the notification-fd
// file at path. It fails with a *ReadError (the file is missing or
// unreadable) or an *InvalidError.
func ReadNotificationFd(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, &ReadError{Path: path, Err: fsutil.Bare(err)}
	}
	n, ok := ParseUint(b)
	if !ok {
		return 0, &InvalidError{Path: path}
	}
	return int(n), nil
}

// Backoff is the content of restart-backoff, an s6box extension: after a
// death the next start of the service waits Initial, then twice that after
// the next death, and so on up to Max; the sequence starts again once the
// service has stayed up for Reset.
type Backoff struct {
	Initial, Max, Reset time.Duration
}

// BackoffMax is the longest a restart-backoff value may be: a day.
const BackoffMax = 24 * time.Hour

// BackoffError says why the content of restart-backoff is invalid.
type BackoffError struct {
	Content string // the first line as read
	Reason  string
}

func (e *BackoffError) Error() string {
	return strconv.Quote(e.Content) + ": " + e.Reason
}

// ParseBackoff reads the content of restart-backoff: on its first line,
// `initial max [reset]` in milliseconds, decimal, separated by blanks.
// initial is at least 1, max at least initial, reset (default max) at
// least 1, and none more than BackoffMax. Anything else is a *BackoffError.
func ParseBackoff(b []byte) (Backoff, error) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	line := string(b)
	bad := func(reason string) (Backoff, error) {
		return Backoff{}, &BackoffError{Content: line, Reason: reason}
	}
	words := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(words) < 2 || len(words) > 3 {
		return bad("want initial max [reset] in milliseconds")
	}
	var v [3]time.Duration
	for i, w := range words {
		if len(w) > 11 || strings.Trim(w, "0123456789") != "" {
			return bad(strconv.Quote(w) + " is not a number of milliseconds")
		}
		n, _ := ParseUint([]byte(w))
		d := time.Duration(n) * time.Millisecond
		if d > BackoffMax {
			return bad(w + " ms is more than a day")
		}
		if d == 0 {
			return bad("a value of 0 ms")
		}
		v[i] = d
	}
	if len(words) == 2 {
		v[2] = v[1]
	}
	if v[1] < v[0] {
		return bad("max is less than initial")
	}
	return Backoff{Initial: v[0], Max: v[1], Reset: v[2]}, nil
}

// Delay is the wait before the next start after the n-th death in a row
// (n ≥ 1): Initial doubled n-1 times, at most Max.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}
