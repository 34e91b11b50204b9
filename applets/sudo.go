package applets

import (
	"errors"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/ipc"
	"s6box/core/sudo"
)

// deadline is now + ms, or no deadline for 0.
func deadline(ms int) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.Now().Add(time.Duration(ms) * time.Millisecond)
}

// sudoMain: s6-sudo [ -q | -Q | -v ] [ -p bindpath ] [ -l localname ] [ -e ]
// [ -t timeout ] [ -T timeoutrun ] path [ args... ]
func sudoMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("qQvp:l:et:T:")
	if !ok {
		return code
	}
	verbosity, t, T, noenv := 1, 0, 0, false
	var client []string
	for _, o := range opts {
		switch o.Letter {
		case 'q':
			if verbosity > 0 {
				verbosity--
			}
		case 'Q':
			verbosity = 1
		case 'v':
			verbosity++
		case 'p', 'l':
			client = append(client, "-"+string(o.Letter), o.Value)
		case 'e':
			noenv = true
		case 't', 'T':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			if o.Letter == 't' {
				t = n
			} else {
				T = n
			}
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	argv := []string{"s6-ipcclient"}
	if verbosity == 0 {
		argv = append(argv, "-Q")
	}
	for i := 1; i < min(verbosity, 4); i++ {
		argv = append(argv, "-v")
	}
	argv = append(argv, client...)
	argv = append(argv, "--", rest[0])
	argv = append(argv, c.selfArgv("s6-sudoc")...)
	if noenv {
		argv = append(argv, "-e")
	}
	argv = append(argv, "-t", strconv.Itoa(t), "-T", strconv.Itoa(T), "--")
	return c.execSelf(append(argv, rest[1:]...))
}

// sudocMain: s6-sudoc [ -e ] [ -t timeoutconn ] [ -T timeoutrun ] [ args... ]
// talks to s6-sudod on descriptors 6 (reading) and 7 (writing).
func sudocMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("et:T:")
	if !ok {
		return code
	}
	t, T, doenv := 0, 0, true
	for _, o := range opts {
		switch o.Letter {
		case 'e':
			doenv = false
		case 't', 'T':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid -" + string(o.Letter) + " value: " + o.Value)
			}
			if o.Letter == 't' {
				t = n
			} else {
				T = n
			}
		}
	}
	in, err := ipc.ConnOn(6, "fd 6")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to use fd 6: %v", err)
	}
	out, err := ipc.ConnOn(7, "fd 7")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to use fd 7: %v", err)
	}
	for fd := 0; fd < 3; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return c.Fatal(ExitSystem, "unable to sanitize stdin/stdout/stderr: fd %d is closed", fd)
		}
	}
	dl := deadline(t)
	in.SetReadDeadline(dl)
	out.SetWriteDeadline(dl)
	banner := make([]byte, len(sudo.BannerB))
	n, err := io.ReadFull(in, banner)
	switch {
	case n == 0 && (err == io.EOF || errors.Is(err, syscall.ECONNRESET)):
		return c.Fatal(ExitSystem, "unable to connect to the s6-sudod server - check that you have appropriate permissions")
	case err != nil:
		return c.Fatal(ExitSystem, "unable to read banner from s6-sudod: %v", err)
	case string(banner) != sudo.BannerB:
		return c.Fatal(ExitUsage, "wrong banner - check that you are connecting to a s6-sudod server")
	}
	req := sudo.Request{Args: rest}
	if doenv {
		req.Env = os.Environ()
	}
	if err := ipc.SendMsg(out, sudo.Encode(req), 0, 1, 2); err != nil {
		return c.Fatal(ExitSystem, "unable to send args to server: %v", err)
	}
	var b [4]byte
	if _, err := io.ReadFull(in, b[:1]); err != nil {
		return c.Fatal(ExitSystem, "unable to get confirmation from server: %v", err)
	}
	if b[0] != 0 {
		return c.Fatal(ExitSystem, "unable to start privileged program: server answered: %v", syscall.Errno(b[0]))
	}
	in.SetReadDeadline(deadline(T))
	if _, err := io.ReadFull(in, b[:]); err != nil {
		return c.Fatal(ExitSystem, "unable to get exit status from server: %v", err)
	}
	ws := syscall.WaitStatus(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	return sudo.ExitCode(ws)
}

// sudodMaxRequest bounds a client's arguments and environment.
const sudodMaxRequest = 16 << 20

// sudodMain: s6-sudod [ -0 ] [ -1 ] [ -2 ] [ -d ] [ -t timeout ] args...
// runs under s6-ipcserverd, the client on its stdin and stdout.
func sudodMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("012dt:")
	if !ok {
		return code
	}
	null0, null1, null2, detach, t := false, false, false, false, 0
	for _, o := range opts {
		switch o.Letter {
		case '0':
			null0 = true
		case '1':
			null1 = true
		case '2':
			null2 = true
		case 'd':
			null0, null1, null2, detach = true, true, true, true
		case 't':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid timeout: " + o.Value)
			}
			t = n
		}
	}
	in, err := ipc.ConnOn(0, "stdin")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to use stdin: %v", err)
	}
	out, err := ipc.ConnOn(1, "stdout")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to use stdout: %v", err)
	}
	dl := deadline(t)
	in.SetReadDeadline(dl)
	out.SetWriteDeadline(dl)
	if _, err := out.Write([]byte(sudo.BannerB)); err != nil {
		return c.Fatal(ExitSystem, "unable to write banner to client: %v", err)
	}
	rcv := ipc.NewReceiver(in)
	rcv.Max = sudodMaxRequest
	m, err := rcv.Recv()
	if err != nil {
		return c.Fatal(ExitSystem, "unable to read message from client: %v", err)
	}
	defer m.Close()
	if len(m.FDs) != 3 {
		return c.Fatal(ExitUsage, "client did not send 3 fds")
	}
	answer := func(e syscall.Errno) { out.Write([]byte{byte(e)}) }
	req, err := sudo.Parse(m.Data)
	if err != nil {
		answer(syscall.EINVAL)
		return c.Fatal(ExitUsage, "%v", err)
	}
	fds := append([]int(nil), m.FDs...)
	if null0 {
		if fds[0], err = unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
			return c.Fatal(ExitSystem, "unable to open /dev/null for reading: %v", err)
		}
	}
	if null1 {
		if fds[1], err = unix.Open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC, 0); err != nil {
			return c.Fatal(ExitSystem, "unable to open /dev/null for writing: %v", err)
		}
	}
	if null2 {
		fds[2] = 2
	}
	argv := append(append([]string(nil), rest...), req.Args...)
	if len(argv) == 0 {
		answer(syscall.EINVAL)
		return c.Fatal(ExitUsage, "no program to run: empty command line")
	}
	path, err := c.LookProgram(argv[0])
	var pid int
	if err == nil {
		pid, err = syscall.ForkExec(path, argv, &syscall.ProcAttr{
			Env:   sudo.MergeEnv(os.Environ(), req.Env),
			Files: []uintptr{uintptr(fds[0]), uintptr(fds[1]), uintptr(fds[2])},
		})
	}
	if err != nil {
		e := syscall.ENOENT
		errors.As(err, &e)
		answer(e)
		return c.Fatal(ExitSystem, "unable to exec %s: %v", argv[0], err)
	}
	for i, fd := range fds {
		if fd != m.FDs[i] && fd != 2 {
			unix.Close(fd)
		}
	}
	m.Close()
	if _, err := out.Write([]byte{0}); err != nil {
		return c.Fatal(ExitSystem, "unable to send confirmation to client: %v", err)
	}
	in.SetReadDeadline(time.Time{})
	out.SetWriteDeadline(time.Time{})
	exited := make(chan syscall.WaitStatus, 1)
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		exited <- ws
	}()
	hangup := make(chan struct{})
	if !detach {
		go func() {
			var b [1]byte
			in.Read(b[:])
			close(hangup)
		}()
	}
	select {
	case ws := <-exited:
		if _, err := out.Write(sudo.Status(ws)); err != nil && !detach {
			return c.Fatal(ExitSystem, "unable to write status to client: %v", err)
		}
		return 0
	case <-hangup:
		syscall.Kill(pid, syscall.SIGTERM)
		syscall.Kill(pid, syscall.SIGCONT)
		return 1
	}
}
