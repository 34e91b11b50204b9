package pdeath

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/core/rawio"
)

// The spawning thread's own descriptor table.
//
// fork copies the forking thread's descriptor table into the child, and
// exec then closes every close-on-exec entry again: work proportional to
// the table, done while the supervisor waits for the exec. svscan holds a
// lock, a control fifo and a directory handle per service, so with 500
// services each start of a service paid for copying and closing 1500
// descriptors that the child never sees. The spawning thread therefore
// unshares its table (unshare(CLONE_FILES)) and keeps in it only what it
// needs; the few descriptors a child gets (stdio, notification pipe,
// lock-fd, the pinned service directory) are passed to it over a socket
// pair (SCM_RIGHTS) for each spawn, and closed there once the child runs.
//
// The rules that keep this safe in a Go process:
//   - The runtime's poller is created before the split, so its epoll and
//     eventfd descriptors have the same numbers in both tables; the runtime
//     may write the eventfd from any thread. Descriptors without a file type
//     (anonymous inodes: epoll, eventfd, timerfd, signalfd) are therefore
//     kept, everything else that existed at the split is closed in the
//     private table, so no pipe or file stays open here behind the back of
//     the code that closes it in the process's table (a readiness pipe
//     would never see end-of-file). Stdio (0, 1, 2) is kept for the
//     runtime's own messages.
//   - Only the locked spawning goroutine ever runs on the thread, and it
//     touches no descriptor but its own socket end, the descriptors it
//     receives and those ForkExec makes itself.
//   - Paths through /proc/self/fd/N name a descriptor of the process's
//     table; the child resolves them in its copy of the spawning thread's
//     table, so the descriptor is passed too and the path rewritten.
//
// Where any step is not possible (no /proc to check the table, no socket
// pair, unshare refused), the thread keeps sharing the process's table and
// children are spawned as before.
type privateTable struct {
	sendFd int // socket end, open in the process's table only
	recvFd int // socket end, open in the spawning thread's table only
	tid    int // the spawning thread
}

const procSelfFd = "/proc/self/fd/"

// setupPrivateTable runs on the locked spawning thread.
func setupPrivateTable() *privateTable {
	// Listing this thread's table is how the split is cleaned up below.
	if unix.Access("/proc/thread-self/fd", unix.R_OK|unix.X_OK) != nil {
		return nil
	}
	// Make sure the runtime's poller exists now (a pipe registers with it).
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	} else {
		return nil
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	if err := unix.Unshare(unix.CLONE_FILES); err != nil {
		unix.Close(sp[0])
		unix.Close(sp[1])
		return nil
	}
	pt := &privateTable{sendFd: sp[0], recvFd: sp[1], tid: unix.Gettid()}
	pt.closeInherited()
	return pt
}

// closeInherited closes, in the spawning thread's table, what the split
// copied from the process's table, but for stdio, the receiving socket end
// and anonymous inodes (the runtime's poller among them).
func (pt *privateTable) closeInherited() {
	names, err := rawio.ReadDirNames("/proc/thread-self/fd")
	if err != nil {
		return
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		// The listing's own descriptor is among the names; it is already
		// closed, and closing it again only fails with EBADF.
		if err != nil || fd <= 2 || fd == pt.recvFd {
			continue
		}
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == 0 {
			continue // anonymous inode: perhaps the runtime's
		}
		unix.Close(fd)
	}
}

// closeReceiverHere closes the receiving end in the process's table; it
// runs on any thread but the spawning one.
func (pt *privateTable) closeReceiverHere() { unix.Close(pt.recvFd) }

// dirFd returns N when dir is /proc/self/fd/N or /proc/self/fd/N/...
func dirFd(dir string) (int, string, bool) {
	rest, ok := strings.CutPrefix(dir, procSelfFd)
	if !ok {
		return 0, "", false
	}
	num, tail, _ := strings.Cut(rest, "/")
	fd, err := strconv.Atoi(num)
	if err != nil || fd < 0 {
		return 0, "", false
	}
	if tail != "" {
		tail = "/" + tail
	}
	return fd, tail, true
}

// send passes the descriptors attr names to the spawning thread, in the
// calling thread's (the process's) table. It returns them in the order sent.
func (pt *privateTable) send(attr *syscall.ProcAttr) ([]int, error) {
	var pass []int
	add := func(fd int) {
		for _, p := range pass {
			if p == fd {
				return
			}
		}
		pass = append(pass, fd)
	}
	for _, f := range attr.Files {
		if f != ^uintptr(0) {
			add(int(f))
		}
	}
	if fd, _, ok := dirFd(attr.Dir); ok {
		add(fd)
	}
	var rights []byte
	if len(pass) > 0 {
		rights = unix.UnixRights(pass...)
	}
	for {
		err := unix.Sendmsg(pt.sendFd, []byte{1}, rights, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("unable to pass descriptors to the spawning thread: %w", err)
		}
		return pass, nil
	}
}

// receive takes the descriptors of one request on the spawning thread and
// rewrites attr (a copy owned by the caller) to name them. It returns the
// descriptors to close once the child is spawned.
func (pt *privateTable) receive(attr *syscall.ProcAttr, pass []int) ([]int, error) {
	var b [1]byte
	oob := make([]byte, unix.CmsgSpace(4*(len(pass)+1)))
	var oobn, flags int
	var err error
	for {
		_, oobn, flags, _, err = unix.Recvmsg(pt.recvFd, b[:], oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("unable to receive descriptors on the spawning thread: %w", err)
	}
	var got []int
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err == nil {
			for i := range msgs {
				fds, err := unix.ParseUnixRights(&msgs[i])
				if err == nil {
					got = append(got, fds...)
				}
			}
		}
	}
	if len(got) != len(pass) || flags&unix.MSG_CTRUNC != 0 {
		for _, fd := range got {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("spawning thread received %d of %d descriptors: %w", len(got), len(pass), syscall.EMFILE)
	}
	here := make(map[int]int, len(pass))
	for i, fd := range pass {
		here[fd] = got[i]
	}
	files := make([]uintptr, len(attr.Files))
	for i, f := range attr.Files {
		files[i] = f
		if f != ^uintptr(0) {
			files[i] = uintptr(here[int(f)])
		}
	}
	attr.Files = files
	if fd, tail, ok := dirFd(attr.Dir); ok {
		attr.Dir = procSelfFd + strconv.Itoa(here[fd]) + tail
	}
	return got, nil
}
