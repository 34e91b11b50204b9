package errtext

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestLibc(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{syscall.ENOENT, "No such file or directory"},
		{syscall.EACCES, "Permission denied"},
		{syscall.ECONNREFUSED, "Connection refused"},
		{syscall.ELOOP, "Too many levels of symbolic links"},
		{fmt.Errorf("wrapped: %w", syscall.EMFILE), "Too many open files"},
		{os.ErrClosed, "file already closed"},
	} {
		if got := Libc(c.err); got != c.want {
			t.Errorf("Libc(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestMessage(t *testing.T) {
	_, err := os.Open("/nonexistent/x")
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("unable to open x: %w", syscall.ENOENT), "unable to open x: No such file or directory"},
		{err, "open /nonexistent/x: No such file or directory"},
		{fmt.Errorf("%w: no such file or directory in the text", syscall.EINVAL), "invalid argument: no such file or directory in the text"},
		{fmt.Errorf("plain"), "plain"},
	} {
		if got := Message(c.err); got != c.want {
			t.Errorf("Message(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
