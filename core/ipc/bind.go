package ipc

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// BindOptions are s6-ipcserver-socketbinder's switches.
type BindOptions struct {
	Perms    uint32 // socket file mode (s6's default is 0777)
	Backlog  int    // listen backlog; 0 binds without listening; <0 is SOMAXCONN
	Dgram    bool   // SOCK_DGRAM instead of SOCK_STREAM
	Blocking bool   // leave the socket blocking (s6's default is non-blocking)
	NoReuse  bool   // -D: do not remove an existing socket file first
}

// Bind creates a Unix socket bound to path as o says and returns its
// descriptor (close-on-exec; the caller decides where it goes). The socket
// file gets mode o.Perms before the socket listens, so no client connects
// through wider permissions.
func Bind(path string, o BindOptions) (int, error) {
	typ := unix.SOCK_STREAM
	if o.Dgram {
		typ = unix.SOCK_DGRAM
	}
	typ |= unix.SOCK_CLOEXEC
	if !o.Blocking {
		typ |= unix.SOCK_NONBLOCK
	}
	fd, err := unix.Socket(unix.AF_UNIX, typ, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	fail := func(op string, err error) (int, error) {
		unix.Close(fd)
		return -1, &os.PathError{Op: op, Path: path, Err: err}
	}
	if !o.NoReuse {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt", err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fail("unlink", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fail("bind", err)
	}
	if err := unix.Chmod(path, o.Perms&0o777); err != nil {
		return fail("chmod", err)
	}
	if o.Backlog != 0 {
		b := o.Backlog
		if b < 0 {
			b = unix.SOMAXCONN
		}
		if err := unix.Listen(fd, b); err != nil {
			return fail("listen", err)
		}
	}
	return fd, nil
}

// ListenerOn takes over fd, a bound and listening stream socket (the
// descriptor s6-ipcserver-socketbinder or an fd holder hands a server).
// The descriptor's file status flags are left alone: they are shared with
// every other holder of the socket.
func ListenerOn(fd int, name string) (*Listener, error) {
	if err := checkSocket(fd, unix.SOCK_STREAM); err != nil {
		return nil, err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	f, rc, err := newFile(fd, name)
	if err != nil {
		return nil, err
	}
	return &Listener{f: f, rc: rc}, nil
}

// ConnOn takes over fd, a connected stream socket (s6-ipcclient's 6 and 7,
// a server child's 0 and 1), and makes it non-blocking for the poller.
func ConnOn(fd int, name string) (*Conn, error) {
	if err := checkSocket(fd, unix.SOCK_STREAM); err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
	f, rc, err := newFile(fd, name)
	if err != nil {
		return nil, err
	}
	return &Conn{f: f, rc: rc}, nil
}

// ErrNotSocket is returned when a descriptor is not a Unix socket of the
// expected type.
var ErrNotSocket = errors.New("not a Unix domain socket of the expected type")

func checkSocket(fd, typ int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("fstat descriptor %d: %w", fd, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return fmt.Errorf("descriptor %d: %w", fd, ErrNotSocket)
	}
	t, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return fmt.Errorf("descriptor %d: %w", fd, os.NewSyscallError("getsockopt", err))
	}
	if t != typ {
		return fmt.Errorf("descriptor %d: %w", fd, ErrNotSocket)
	}
	return nil
}

// Connect makes a blocking stream socket connected to path, bound first to
// bindpath when that is not empty (s6-ipcclient -p), and returns its
// descriptor, close-on-exec.
func Connect(path, bindpath string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if bindpath != "" {
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: bindpath}); err != nil {
			unix.Close(fd)
			return -1, &os.PathError{Op: "bind", Path: bindpath, Err: err}
		}
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	return fd, nil
}

// LocalName is the path the socket fd is bound to ("" when unbound).
func LocalName(fd int) (string, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", os.NewSyscallError("getsockname", err)
	}
	return unixName(sa), nil
}

// PeerName is the path the peer of socket fd is bound to ("" when unbound,
// as clients usually are).
func PeerName(fd int) string {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return ""
	}
	return unixName(sa)
}

func unixName(sa unix.Sockaddr) string {
	// x/sys/unix reports an unnamed socket as "@" (its empty abstract
	// name); s6 reports it as "".
	if u, ok := sa.(*unix.SockaddrUnix); ok && u.Name != "@" {
		return u.Name
	}
	return ""
}

// Fd is the connection's descriptor, for handing it to a child process
// (ProcAttr.Files). It stays owned by c.
func (c *Conn) Fd() int {
	fd := -1
	c.rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// PeerCredFd returns SO_PEERCRED of socket fd.
func PeerCredFd(fd int) (*unix.Ucred, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return nil, os.NewSyscallError("getsockopt", err)
	}
	return cred, nil
}

// SetWriteDeadline bounds pending and future writes (zero: no deadline).
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }

// CloseWrite shuts the sending half down: the peer reads end of file.
func (c *Conn) CloseWrite() error {
	var err error
	if cerr := c.rc.Control(func(fd uintptr) { err = unix.Shutdown(int(fd), unix.SHUT_WR) }); cerr != nil {
		return cerr
	}
	return err
}

// WaitReadable blocks until a connection is waiting on l (or l is closed),
// without accepting it: a server that must not hold a connection it may
// never serve (one stopping on a signal) accepts only when it is ready to.
func (l *Listener) WaitReadable() error {
	err := l.rc.Read(func(fd uintptr) bool {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(p, 0)
		return err != nil || n > 0
	})
	if l.closed.Load() {
		return ErrClosed
	}
	return err
}

// TryAccept accepts a waiting connection without blocking; it returns nil
// and no error when there is none.
func (l *Listener) TryAccept() (*Conn, error) {
	var c *Conn
	var aerr error
	err := l.rc.Control(func(fd uintptr) {
		for {
			nfd, _, err := unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			switch err {
			case nil:
				c, aerr = nil, nil
				f, rc, ferr := newFile(nfd, "unix socket")
				if ferr != nil {
					aerr = ferr
					return
				}
				c = &Conn{f: f, rc: rc}
				return
			case unix.EINTR, unix.ECONNABORTED:
				continue
			case unix.EAGAIN:
				return
			}
			aerr = os.NewSyscallError("accept4", err)
			return
		}
	})
	if err != nil {
		return nil, err
	}
	return c, aerr
}
