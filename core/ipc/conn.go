// Package ipc is the Unix-domain socket layer of the local services (s6's
// ipcserver family, sudo, the fd holder) and of s6-rc's private runner and
// fd holder: listen, bind, accept, connect, read and write, passing
// descriptors with SCM_RIGHTS, the peer's credentials, and skalibs'
// unixmessage framing — made from raw socket syscalls so that the binary
// does not link package net.
//
// Every socket is non-blocking and wrapped in an *os.File, which puts it in
// the runtime's poller: a blocked Accept or Read parks its goroutine (no
// busy loop, no extra thread), read deadlines work, and Close wakes up a
// goroutine blocked on the socket, as with package net.
package ipc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned by Accept once the listener is closed.
var ErrClosed = os.ErrClosed

// Conn is a connected stream socket.
type Conn struct {
	f  *os.File
	rc syscall.RawConn
}

// Listener is a listening socket.
type Listener struct {
	f      *os.File
	rc     syscall.RawConn
	closed atomic.Bool
}

// newFile hands a non-blocking descriptor over to an *os.File (and so to the
// runtime poller); it closes fd on failure.
func newFile(fd int, name string) (*os.File, syscall.RawConn, error) {
	f := os.NewFile(uintptr(fd), name)
	if f == nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("invalid descriptor %d", fd)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, rc, nil
}

// Listen binds a socket at path (replacing a stale socket file), makes it
// mode 0600 and listens on it. The file is not removed by Close.
func Listen(path string) (*Listener, error) {
	os.Remove(path)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "bind", Path: path, Err: err}
	}
	if err := os.Chmod(path, 0o600); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "listen", Path: path, Err: err}
	}
	f, rc, err := newFile(fd, path)
	if err != nil {
		return nil, err
	}
	return &Listener{f: f, rc: rc}, nil
}

// Accept waits for a connection. It returns ErrClosed after Close, also
// when Close is called while Accept waits.
func (l *Listener) Accept() (*Conn, error) {
	for {
		var nfd int
		var err error
		rerr := l.rc.Read(func(fd uintptr) bool {
			nfd, _, err = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			return err != unix.EAGAIN
		})
		if l.closed.Load() {
			if rerr == nil && err == nil {
				unix.Close(nfd)
			}
			return nil, ErrClosed
		}
		if rerr != nil {
			return nil, rerr
		}
		switch err {
		case nil:
			f, rc, err := newFile(nfd, "unix socket")
			if err != nil {
				return nil, err
			}
			return &Conn{f: f, rc: rc}, nil
		case unix.EINTR, unix.ECONNABORTED:
			continue // the client left before we got to it
		}
		return nil, os.NewSyscallError("accept4", err)
	}
}

// Close stops listening; it does not remove the socket file.
func (l *Listener) Close() error {
	l.closed.Store(true)
	return l.f.Close()
}

// Dial connects to the socket at path. A path too long for sun_path (108
// bytes) is reached through /proc/self/fd/N/NAME, N being its directory.
func Dial(path string) (*Conn, error) {
	addr := path
	if len(path) >= 100 {
		d, err := os.Open(filepath.Dir(path))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		addr = fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), filepath.Base(path))
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// A blocking connect: on a Unix socket it completes at once (or waits
	// for room in a full backlog); only then go non-blocking for the poller.
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: addr})
		if err != unix.EINTR {
			break
		}
	}
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	f, rc, err := newFile(fd, path)
	if err != nil {
		return nil, err
	}
	return &Conn{f: f, rc: rc}, nil
}

// Read reads stream data; io.EOF when the peer has closed its end.
// Descriptors sent along with the data are closed (use ReadMsg for them).
func (c *Conn) Read(p []byte) (int, error) {
	n, fds, err := c.ReadMsg(p, 0)
	closeAll(fds)
	return n, err
}

// Write writes all of p. It never raises SIGPIPE: a vanished peer is EPIPE.
func (c *Conn) Write(p []byte) (int, error) {
	return c.WriteMsg(p)
}

// WriteMsg writes all of p, sending fds (if any) with its first byte. p
// must not be empty when fds are sent.
func (c *Conn) WriteMsg(p []byte, fds ...int) (int, error) {
	if len(p) == 0 {
		if len(fds) > 0 {
			return 0, errors.New("ipc: descriptors need at least one byte of data")
		}
		return 0, nil
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	done := 0
	for done < len(p) {
		var n int
		var err error
		werr := c.rc.Write(func(fd uintptr) bool {
			n, err = unix.SendmsgN(int(fd), p[done:], oob, nil, unix.MSG_NOSIGNAL)
			return err != unix.EAGAIN
		})
		if werr != nil {
			return done, werr
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return done, os.NewSyscallError("sendmsg", err)
		}
		done += n
		oob = nil // the descriptors went with the first chunk
	}
	return done, nil
}

// ReadMsg reads data into p and up to maxFDs descriptors sent with it
// (close-on-exec; extra ones are dropped by the kernel). A read of 0 bytes
// with no descriptor is io.EOF. Read deadlines apply.
func (c *Conn) ReadMsg(p []byte, maxFDs int) (n int, fds []int, err error) {
	// Always leave room for a few descriptors so that unexpected ones are
	// received (and closed by the caller) rather than truncated away.
	oob := make([]byte, unix.CmsgSpace(4*max(maxFDs, 3)))
	var oobn int
	var serr error
	rerr := c.rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, serr = unix.Recvmsg(int(fd), p, oob, unix.MSG_CMSG_CLOEXEC)
		return serr != unix.EAGAIN
	})
	if rerr != nil {
		return 0, nil, rerr
	}
	if serr != nil {
		return 0, nil, os.NewSyscallError("recvmsg", serr)
	}
	if oobn > 0 {
		msgs, perr := unix.ParseSocketControlMessage(oob[:oobn])
		if perr == nil {
			for i := range msgs {
				if f, err := unix.ParseUnixRights(&msgs[i]); err == nil {
					fds = append(fds, f...)
				}
			}
		}
	}
	if len(fds) > maxFDs {
		closeAll(fds[maxFDs:])
		fds = fds[:maxFDs]
	}
	if n == 0 && len(fds) == 0 && len(p) > 0 {
		return 0, nil, io.EOF
	}
	return n, fds, nil
}

// SetReadDeadline makes pending and future reads fail with an error
// matching os.ErrDeadlineExceeded after t (zero: no deadline).
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.f.SetReadDeadline(t)
}

// PeerCred returns the credentials of the peer process (SO_PEERCRED).
func (c *Conn) PeerCred() (*unix.Ucred, error) {
	var cred *unix.Ucred
	var err error
	if cerr := c.rc.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, os.NewSyscallError("getsockopt", err)
	}
	return cred, nil
}

// Close closes the connection, waking up any goroutine blocked on it.
func (c *Conn) Close() error {
	return c.f.Close()
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
