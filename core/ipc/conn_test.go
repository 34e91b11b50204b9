package ipc

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pair listens in a temp dir and returns both ends of one connection.
func pair(t *testing.T) (server, client *Conn, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "s")
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	acc := make(chan *Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Errorf("accept: %v", err)
		}
		acc <- c
	}()
	client, err = Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	server = <-acc
	if server == nil {
		t.FailNow()
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client, path
}

func TestStreamAndEOF(t *testing.T) {
	s, c, path := pair(t)
	if st, err := os.Stat(path); err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Errorf("socket file: %v %v", st.Mode(), err)
	}
	if n, err := c.Write([]byte("hello\n")); n != 6 || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}
	c.Close()
	b, err := io.ReadAll(s)
	if string(b) != "hello\n" || err != nil {
		t.Fatalf("read %q %v", b, err)
	}
	if n, err := s.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Errorf("read after EOF: %d %v", n, err)
	}
	// the peer is gone: EPIPE, not SIGPIPE (which would kill the test)
	var err2 error
	for i := 0; i < 3 && err2 == nil; i++ {
		_, err2 = s.Write([]byte("x"))
	}
	if !errors.Is(err2, syscall.EPIPE) {
		t.Errorf("write to a closed peer: %v", err2)
	}
}

func TestPassDescriptors(t *testing.T) {
	s, c, _ := pair(t)
	r1, w1, _ := os.Pipe()
	r2, w2, _ := os.Pipe()
	defer r1.Close()
	defer r2.Close()
	if _, err := c.WriteMsg([]byte("two\n"), int(w1.Fd()), int(w2.Fd())); err != nil {
		t.Fatal(err)
	}
	w1.Close()
	w2.Close()
	buf := make([]byte, 64)
	n, fds, err := s.ReadMsg(buf, 2)
	if err != nil || string(buf[:n]) != "two\n" || len(fds) != 2 {
		t.Fatalf("ReadMsg: %q %v %v", buf[:n], fds, err)
	}
	for i, fd := range fds {
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("received fd %d not close-on-exec (%v)", fd, err)
		}
		f := os.NewFile(uintptr(fd), "w")
		f.Write([]byte{'a' + byte(i)})
		f.Close()
	}
	for i, r := range []*os.File{r1, r2} {
		b, _ := io.ReadAll(r)
		if string(b) != string(rune('a'+i)) {
			t.Errorf("pipe %d got %q", i, b)
		}
	}
	// more descriptors than asked for: the extra ones are closed, not leaked
	r3, w3, _ := os.Pipe()
	defer r3.Close()
	c.WriteMsg([]byte("x"), int(w3.Fd()), int(w3.Fd()))
	w3.Close()
	n, fds, err = s.ReadMsg(buf, 1)
	if err != nil || n != 1 || len(fds) != 1 {
		t.Fatalf("ReadMsg: %d %v %v", n, fds, err)
	}
	unix.Close(fds[0])
	// EOF only comes once every copy of the write end is closed
	r3.SetReadDeadline(time.Now().Add(20 * time.Second))
	if b, err := io.ReadAll(r3); len(b) != 0 || err != nil {
		t.Errorf("extra descriptor leaked: %q %v", b, err)
	}
	// Read drops descriptors
	r4, w4, _ := os.Pipe()
	defer r4.Close()
	c.WriteMsg([]byte("y"), int(w4.Fd()))
	w4.Close()
	if n, err := s.Read(buf); n != 1 || err != nil {
		t.Fatalf("read: %d %v", n, err)
	}
	r4.SetReadDeadline(time.Now().Add(20 * time.Second))
	if b, err := io.ReadAll(r4); len(b) != 0 || err != nil {
		t.Errorf("descriptor dropped by Read leaked: %q %v", b, err)
	}
	if _, err := c.WriteMsg(nil, int(r4.Fd())); err == nil {
		t.Error("sent descriptors without data")
	}
}

func TestPeerCred(t *testing.T) {
	s, c, _ := pair(t)
	for _, conn := range []*Conn{s, c} {
		cred, err := conn.PeerCred()
		if err != nil || int(cred.Uid) != os.Geteuid() || int(cred.Pid) != os.Getpid() {
			t.Errorf("PeerCred = %+v %v", cred, err)
		}
	}
}

func TestDeadlineAndCloseUnblock(t *testing.T) {
	s, c, _ := pair(t)
	s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past deadline: %v", err)
	}
	s.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	c.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("read on a closed conn succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not wake up a blocked Read")
	}

	ln, err := Listen(filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		accepted <- err
	}()
	time.Sleep(20 * time.Millisecond) // usually lets Accept block first; either order must work
	ln.Close()
	select {
	case err := <-accepted:
		if err != ErrClosed {
			t.Errorf("Accept after Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not wake up a blocked Accept")
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dial(filepath.Join(dir, "none")); !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), filepath.Join(dir, "none")) {
		t.Errorf("dial missing socket: %v", err)
	}
	if _, err := Listen(filepath.Join(dir, "no", "s")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("listen in a missing dir: %v", err)
	}
	// a socket file nobody listens on any more; Listen then replaces it
	p := filepath.Join(dir, "stale")
	ln, err := Listen(p)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if _, err := Dial(p); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial stale socket: %v", err)
	}
	ln, err = Listen(p)
	if err != nil {
		t.Fatalf("listen over a stale socket: %v", err)
	}
	defer ln.Close()
	c, err := Dial(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestDialLongPath(t *testing.T) {
	dir := t.TempDir()
	for len(dir) < 120 {
		dir = filepath.Join(dir, "a-rather-long-directory-name")
	}
	os.MkdirAll(dir, 0o755)
	wd, _ := os.Getwd()
	os.Chdir(dir)
	ln, err := Listen("s")
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := Dial(filepath.Join(dir, "s"))
	if err != nil {
		t.Fatalf("dial %d-byte path: %v", len(dir)+2, err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "hi" {
		t.Errorf("got %q", b)
	}
}
