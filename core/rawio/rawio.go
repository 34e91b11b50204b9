// Package rawio reads and writes small files with plain system calls. The
// os package registers every file it opens with the runtime's poller
// (fcntl calls and a failing epoll_ctl for a regular file), and os.Rename
// stats the target first: pure overhead for the status file a supervisor
// rewrites on every transition and for the thousands of small definition
// files the s6-rc compiler reads. Errors are *os.PathError carrying the
// errno, as the os package returns them, so os.IsNotExist and errors.Is
// work on them.
package rawio

import (
	"os"

	"golang.org/x/sys/unix"
)

// Open opens path close-on-exec, retrying on EINTR.
func Open(path string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// ReadFile reads a whole (small) file.
func ReadFile(path string) ([]byte, error) {
	fd, err := Open(path, unix.O_RDONLY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// WriteAll writes all of b to fd, retrying on EINTR and short writes.
func WriteAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// ReadDirNames lists a directory's entries, without "." and "..", in the
// order the filesystem returns them.
func ReadDirNames(path string) ([]string, error) {
	fd, err := Open(path, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var names []string
	var buf [4096]byte
	for {
		n, err := unix.Getdents(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "readdirent", Path: path, Err: err}
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}
