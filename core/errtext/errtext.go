// Package errtext renders system errors in the C library's words, as s6
// and execline print them (strerror: "No such file or directory"). Go's
// syscall package has glibc's texts for Linux errnos with the first letter
// in lower case; that letter is all that changes.
package errtext

import (
	"errors"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Libc is the C library's text for the errno inside err, or err's own text
// when it carries none.
func Libc(err error) string {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return err.Error()
	}
	return capitalize(e.Error())
}

// Message is err's whole text with a trailing errno in the C library's
// words: "unable to open x: No such file or directory".
func Message(err error) string {
	s := err.Error()
	var e syscall.Errno
	if !errors.As(err, &e) {
		return s
	}
	if tail := e.Error(); strings.HasSuffix(s, tail) {
		return s[:len(s)-len(tail)] + capitalize(tail)
	}
	return s
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// Args returns a copy of a printf argument list with every non-nil error
// replaced by its Message, for messages printed with %v or %s.
func Args(a []any) []any {
	out := make([]any, len(a))
	for i, v := range a {
		if err, ok := v.(error); ok && err != nil {
			v = Message(err)
		}
		out[i] = v
	}
	return out
}
