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
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is the error, inside an *os.PathError, of ReadRegular for
// a path that is not a regular file (a fifo, a device, a directory).
var ErrNotRegular = errors.New("not a regular file")

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

// OpenRegular opens path with flags plus O_NONBLOCK (a fifo in its place
// cannot block the open) and returns the descriptor and its fstat, or an
// *os.PathError: ErrNotRegular for anything but a regular file. With
// O_NOFOLLOW in flags a symlink fails with ELOOP. O_NONBLOCK means nothing
// for a regular file, so the descriptor is used as it is.
func OpenRegular(path string, flags int, mode uint32) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := Open(path, flags|unix.O_NONBLOCK, mode)
	if err != nil {
		return -1, st, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, st, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return fd, st, nil
}

// CreateFresh creates path as a new empty regular file (mode perm & ~umask)
// open for writing, replacing whatever had that name: an existing entry is
// unlinked, never opened, so a symlink or a fifo planted there is neither
// written through nor blocked on (O_CREAT|O_EXCL|O_NOFOLLOW).
func CreateFresh(path string, perm uint32) (int, error) {
	const flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW
	fd, err := Open(path, flags, perm)
	for try := 0; err == unix.EEXIST && try < 3; try++ {
		if uerr := unix.Unlink(path); uerr != nil && uerr != unix.ENOENT {
			return -1, &os.PathError{Op: "unlink", Path: path, Err: uerr}
		}
		fd, err = Open(path, flags, perm)
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// ReadRegular reads at most max bytes of the regular file path: what a
// daemon does with a file in a directory others may write. The open is
// non-blocking, so a fifo put in the file's place cannot stall the caller,
// flags are added to it (O_NOFOLLOW where a planted symlink must not be
// followed), anything fstat does not call a regular file is refused with
// ErrNotRegular before a byte is read, and what lies beyond max bytes is
// never read, so /dev/zero or a huge file costs max bytes, not memory.
func ReadRegular(path string, flags, max int) ([]byte, error) {
	fd, st, err := OpenRegular(path, unix.O_RDONLY|flags, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	// Sized by what fstat says (plus one byte to see the end), so that a
	// generous max costs nothing for the usual small file; a file that
	// grows meanwhile is read on, still up to max.
	size := max
	if st.Size >= 0 && st.Size < int64(max) {
		size = int(st.Size) + 1
	}
	b := make([]byte, 0, size)
	for len(b) < max {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		end := min(cap(b), max)
		r, err := unix.Read(fd, b[len(b):end])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if r == 0 {
			break
		}
		b = b[:len(b)+r]
	}
	return b, nil
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
	return ReadDirNamesFd(fd, path)
}

// ReadDirNamesFd lists the entries of the open directory fd (named path in
// errors) from its current offset, like ReadDirNames.
func ReadDirNamesFd(fd int, path string) ([]string, error) {
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
