package compile

import (
	"os"
	"sort"
	"unsafe"

	"golang.org/x/sys/unix"

	"s6box/core/rawio"
)

// Raw file-system helpers for the compiler's hot path. Every definition
// file is small and regular, so the os package's poller registration
// (fcntl ×4 and a failing epoll_ctl per open) is pure overhead: these
// helpers open, read or write, and close with plain system calls. Errors
// are *os.PathError carrying the errno, as the os package returns them.

func pathErr(op, path string, err error) error { return &os.PathError{Op: op, Path: path, Err: err} }

// writeNew creates path (which must not exist) with mode (subject to the
// umask unless chmod is set, in which case the mode is forced) and writes b.
func writeNew(path string, b []byte, mode os.FileMode, chmod bool) error {
	fd, err := rawio.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, uint32(mode.Perm()))
	if err != nil {
		return pathErr("open", path, err)
	}
	for len(b) > 0 && err == nil {
		var n int
		n, err = unix.Write(fd, b)
		if err == unix.EINTR {
			err = nil
		}
		b = b[n:]
	}
	if err == nil && chmod {
		err = unix.Fchmod(fd, uint32(mode.Perm()))
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return pathErr("write", path, err)
	}
	return nil
}

// dirent is one directory entry with its d_type (unix.DT_*).
type dirent struct {
	name string
	typ  uint8
}

// readDir lists a directory (without "." and ".."), sorted by name like
// os.ReadDir.
func readDir(path string) ([]dirent, error) {
	fd, err := rawio.Open(path, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, pathErr("open", path, err)
	}
	defer unix.Close(fd)
	var out []dirent
	buf := make([]byte, 8192)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, pathErr("readdirent", path, err)
		}
		if n <= 0 {
			break
		}
		for off := 0; off < n; {
			d := (*unix.Dirent)(unsafe.Pointer(&buf[off]))
			reclen := int(d.Reclen)
			if reclen == 0 || off+reclen > n {
				break
			}
			const nameOff = int(unsafe.Offsetof(unix.Dirent{}.Name))
			name := buf[off+nameOff : off+reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			off += reclen
			if s := string(name); s != "." && s != ".." {
				out = append(out, dirent{name: s, typ: d.Type})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}
