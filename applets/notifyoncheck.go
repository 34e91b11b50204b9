package applets

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/ftrig"
	"s6box/core/lock"
	"s6box/core/readiness"
	"s6box/core/reaper"
	"s6box/core/svconf"
)

// nocRoleEnv tells a copy of this binary spawned by notifyoncheck which part
// it plays: "fork" (the intermediate of -d) or "check" (the checker). It is
// removed from the environment at once, so checks never see it.
const nocRoleEnv = "S6BOX_NOTIFYONCHECK_ROLE"

// The checker's descriptors: the notification fd and the start-up sync pipe.
const (
	nocNotifyFd = 3
	nocSyncFd   = 4
)

// execlinebPaths are tried for -c; without execline, /bin/sh -c runs it.
var execlinebPaths = [...]string{"/usr/lib/execline/bin/execlineb", "/usr/bin/execlineb", "/bin/execlineb"}

// notifyoncheckMain: notifyoncheck [ -d ] [ -3 fd ] [ -s initialsleep ]
// [ -T globaltimeout ] [ -t localtimeout ] [ -w waitingtime ] [ -n tries ]
// [ -c checkprog ] prog...
func notifyoncheckMain(c *Ctx) int {
	role := os.Getenv(nocRoleEnv)
	if role != "" {
		os.Unsetenv(nocRoleEnv)
	}
	opts, rest, code, ok := c.Getopt("d3:s:T:t:w:n:c:")
	if !ok {
		return code
	}
	po := readiness.Options{InitialSleep: 10 * time.Millisecond, Wait: time.Second, Tries: 7}
	double, fd, checkprog, haveCheckprog := false, -1, "", false
	for _, op := range opts {
		var n uint64
		if op.Letter != 'd' && op.Letter != 'c' {
			var err error
			if n, err = strconv.ParseUint(op.Value, 10, 31); err != nil {
				return c.UsageFail("invalid value for -" + string(op.Letter) + ": " + op.Value)
			}
		}
		ms := time.Duration(n) * time.Millisecond
		switch op.Letter {
		case 'd':
			double = true
		case '3':
			fd = int(n)
		case 's':
			po.InitialSleep = ms
		case 'T':
			po.GlobalTimeout = ms
		case 't':
			po.LocalTimeout = ms
		case 'w':
			po.Wait = ms
		case 'n':
			po.Tries = int(n)
		case 'c':
			checkprog, haveCheckprog = op.Value, true
		}
	}
	switch role {
	case "fork":
		return nocSpawn(c, "check")
	case "check":
		return nocCheck(c, po, checkprog, haveCheckprog)
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	if up, err := lock.IsLocked("supervise/lock"); err != nil || !up {
		return c.Fatal(ExitUsage, "s6-supervise not running in the current directory")
	}
	if fd < 0 {
		n, err := svconf.ReadNotificationFd("./notification-fd")
		if err != nil {
			code := ExitSystem
			if errors.As(err, new(*svconf.InvalidError)) {
				code = ExitUsage
			}
			return c.Fatal(code, "%v", err)
		}
		fd = n
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return c.Fatal(ExitSystem, "notification fd %d is not open: %v", fd, err)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return c.Fatal(ExitSystem, "unable to create a pipe: %v", err)
	}
	next := "check"
	if double {
		next = "fork"
	}
	pid, err := nocStart(c, next, []uintptr{0, 1, 2, uintptr(fd), uintptr(p[1])})
	syscall.Close(p[1])
	if err != nil {
		return c.Fatal(ExitSystem, "unable to spawn the checker: %v", err)
	}
	if double {
		var ws syscall.WaitStatus
		for {
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
				break
			}
		}
	}
	// The checker has subscribed to event/ when it writes its byte; only
	// then may prog start, or a quick death could go unseen.
	var b [1]byte
	n, _ := syscall.Read(p[0], b[:])
	syscall.Close(p[0])
	if n != 1 {
		return c.Fatal(ExitSystem, "the checker failed to start")
	}
	syscall.Close(fd)
	return c.Exec(rest)
}

// nocStart runs this binary again as part role of notifyoncheck, with the
// checker options of this invocation and the given descriptors.
func nocStart(c *Ctx, role string, files []uintptr) (int, error) {
	argv := append([]string{c.Prog}, c.Args...)
	env := append(os.Environ(), nocRoleEnv+"="+role)
	return syscall.ForkExec(c.Self(), argv, &syscall.ProcAttr{Env: env, Files: files})
}

// nocSpawn is the intermediate of -d: it starts the checker and exits, so
// the checker is not a child of prog.
func nocSpawn(c *Ctx, role string) int {
	if _, err := nocStart(c, role, []uintptr{0, 1, 2, nocNotifyFd, nocSyncFd}); err != nil {
		return c.Fatal(ExitSystem, "unable to spawn the checker: %v", err)
	}
	return 0
}

// nocCheck is the checker: subscribe to event/, release the parent, poll.
func nocCheck(c *Ctx, po readiness.Options, checkprog string, haveCheckprog bool) int {
	c.Prog += " (child)"
	l, err := ftrig.Subscribe("event")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to subscribe to event fifodir: %v", err)
	}
	defer l.Close()
	syscall.Write(nocSyncFd, []byte{0})
	syscall.Close(nocSyncFd)
	dead := make(chan struct{})
	go func() {
		var buf [64]byte
		for {
			n, err := l.Read(buf[:])
			for _, e := range buf[:n] {
				if e == 'd' {
					close(dead)
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	po.Argv = []string{"./data/check"}
	if haveCheckprog {
		po.Argv = []string{"/bin/sh", "-c", checkprog}
		for _, p := range execlinebPaths {
			if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
				po.Argv = []string{p, "-Pc", checkprog}
				break
			}
		}
	}
	po.Dir, po.Env, po.Files = ".", os.Environ(), []uintptr{0, 1, 2}
	r := reaper.Start(nil)
	code, err := readiness.Poll(po, r, dead, func() error {
		_, err := syscall.Write(nocNotifyFd, []byte{'\n'})
		return err
	})
	if err != nil {
		return c.Fatal(ExitSystem, "unable to notify readiness: %v", err)
	}
	return code
}
