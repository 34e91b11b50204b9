package supervisor

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pinDir gives the supervisor a way to reach its service directory that
// follows the directory when it is renamed, as s6-supervise gets by doing
// chdir() into it: s6-rc-update moves live service directories under running
// supervisors, and a host of many supervisors in one process cannot chdir
// into each.
//
// The directory is held open (O_PATH) and reached as /proc/self/fd/N, which
// the kernel resolves to wherever the directory is now, for file operations
// and as the cwd of run and finish (the child chdirs before exec, while it
// still has the descriptor). Where /proc is not mounted (early boot), the
// absolute path is used and renames are not followed.
func pinDir(abs string, want os.FileInfo) (*os.File, string) {
	fd, err := unix.Open(abs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, abs
	}
	f := os.NewFile(uintptr(fd), abs)
	reach := "/proc/self/fd/" + strconv.Itoa(fd)
	st, err := os.Stat(reach)
	if err != nil || !os.SameFile(st, want) {
		f.Close()
		return nil, abs
	}
	return f, reach
}

// shownErr names the service directory as the user gave it in an error that
// was built from the /proc/self/fd path; errors.Is still sees the cause.
func (s *Supervisor) shownErr(err error) error {
	if s.pinF == nil || err == nil {
		return err
	}
	return &shownError{err: err, msg: strings.ReplaceAll(err.Error(), s.dir, s.shown)}
}

type shownError struct {
	err error
	msg string
}

func (e *shownError) Error() string { return e.msg }
func (e *shownError) Unwrap() error { return e.err }
