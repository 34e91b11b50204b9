// Package svconf parses the small configuration files of a service
// directory the way s6-supervise reads them: the number files
// (notification-fd, lock-fd, timeout-kill, timeout-finish, max-death-tally)
// and the signal files (down-signal, reload-signal).
package svconf

import (
	"bytes"
	"os"
	"strings"
	"syscall"

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
