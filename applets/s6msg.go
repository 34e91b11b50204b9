package applets

import (
	"errors"
	"strings"
	"syscall"

	"s6box/core/errtext"
)

// s6Msg is err's text with a trailing system error written as the C
// library writes it ("No such file or directory", not Go's lower-case
// text), so messages read as s6's do.
func s6Msg(err error) string {
	msg := err.Error()
	var e syscall.Errno
	if errors.As(err, &e) && strings.HasSuffix(msg, e.Error()) {
		return msg[:len(msg)-len(e.Error())] + errtext.Libc(e)
	}
	return msg
}
