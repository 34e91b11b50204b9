package applets

// Helpers shared by the execline applets (el_*.go): execline's messages
// and exit codes, exec with in-process chaining, spawning a block, and
// waiting for it.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"s6box/core/errtext"
	"s6box/core/execline"
)

// elUsage prints execline's "PROG: usage: USAGE" and returns 100.
func elUsage(c *Ctx, usage string) int {
	fmt.Fprintf(c.Stderr, "%s: usage: %s\n", c.Prog, usage)
	return ExitUsage
}

// elDieSys prints "PROG: fatal: unable to WHAT: strerror" and returns code.
func elDieSys(c *Ctx, code int, err error, format string, a ...any) int {
	return c.Fatal(code, "unable to %s: %s", fmt.Sprintf(format, a...), errtext.Libc(err))
}

// elUint is skalibs' uint0_scan: the whole word is a decimal number that
// fits in 32 bits.
func elUint(s string) (uint, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	u, err := strconv.ParseUint(s, 10, 32)
	return uint(u), err == nil
}

// elScanPrefix reads a number in base (8 or 10) at the start of s as
// skalibs' scanners do: digits while the value stays within max, the rest
// of s left alone. It returns the value and how many bytes it read (0:
// s does not start with a digit).
func elScanPrefix(s string, base, max uint64) (uint64, int) {
	var v uint64
	n := 0
	for ; n < len(s) && s[n] >= '0' && uint64(s[n]-'0') < base; n++ {
		next := v*base + uint64(s[n]-'0')
		if next > max {
			break
		}
		v = next
	}
	return v, n
}

// elFd parses a descriptor number.
func elFd(s string) (int, bool) {
	u, ok := elUint(s)
	if !ok || u > 1<<30 {
		return 0, false
	}
	return int(u), true
}

// elStrict is EXECLINE_STRICT: 0 (lax), 1 (warn) or 2 (die).
func elStrict() uint {
	u, _ := elUint(os.Getenv("EXECLINE_STRICT"))
	return u
}

// elBlock reads the block at argv[0] (see execline.Block), printing strict
// mode warnings; on a strict-mode error it prints it and returns code 100.
func elBlock(c *Ctx, argv []string, blockNo int) (n int, ok bool, code int) {
	n, ok, err := execline.Block(argv, elStrict(), blockNo, func(e error) { c.Warn("%v", e) })
	if err != nil {
		return n, false, c.Fatal(ExitUsage, "%v", err)
	}
	return n, ok, -1
}

// elFirstBlock reads the block that starts argv, as the commands taking
// one block do, and returns its length; or an exit code >= 0 after the
// message: a strict-mode error, "empty block" (when noEmpty and the block
// has no word), "unterminated block".
func elFirstBlock(c *Ctx, argv []string, noEmpty bool) (n int, code int) {
	n, ok, code := elBlock(c, argv, 1)
	if code >= 0 {
		return n, code
	}
	if noEmpty && n == 0 {
		return n, c.Fatal(ExitUsage, "empty block")
	}
	if !ok {
		return n, c.Fatal(ExitUsage, "unterminated block")
	}
	return n, -1
}

// elExec replaces the process with argv, the way execline's commands end:
// into an applet of this binary it runs in this process (see chain.go); an
// empty argv exits 0. It returns only on failure: 127 when the program was
// not found, 126 otherwise.
func elExec(c *Ctx, argv []string) int {
	if len(argv) == 0 {
		return 0
	}
	path, err := c.LookProgram(argv[0])
	if err == nil {
		if next := c.chainNext(argv, path); next != nil {
			return next.Applet.Main(next)
		}
		err = syscall.Exec(path, argv, os.Environ())
	}
	code := ExitNoExec
	if errors.Is(err, syscall.ENOENT) {
		code = ExitNoProg
	}
	return elDieSys(c, code, err, "exec %s", argv[0])
}

// elSetenv and elUnsetenv change the environment the next program gets.
func elSetenv(c *Ctx, name, value string) bool {
	if err := os.Setenv(name, value); err != nil {
		elDieSys(c, ExitSystem, err, "update environment")
		return false
	}
	return true
}

// elReplaceEnv makes env (VAR=VALUE entries) the whole environment the
// next program gets; false after the message when a variable cannot be set.
func elReplaceEnv(c *Ctx, env []string) bool {
	os.Clearenv()
	for _, kv := range env {
		k, v := splitKV(kv)
		if !elSetenv(c, k, v) {
			return false
		}
	}
	return true
}

// elStdFiles is what a child gets as 0, 1 and 2: the same descriptors, or
// closed when they are closed here.
func elStdFiles(over map[int]int) []uintptr {
	files := make([]uintptr, 3)
	for i := range files {
		fd := i
		if o, ok := over[i]; ok {
			fd = o
		}
		if fd < 0 || !elFdOpen(fd) {
			files[i] = ^uintptr(0)
		} else {
			files[i] = uintptr(fd)
		}
	}
	return files
}

func elFdOpen(fd int) bool {
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0
}

func elCloexec(fd int) bool {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0 && r&syscall.FD_CLOEXEC != 0
}

// elSpawn starts argv (PATH search) as a child with this environment, its
// descriptors 0-2 replaced as over says (child fd → our fd). An empty argv
// runs `exit 0`, as execline does. It returns the pid.
func elSpawn(c *Ctx, argv []string, env []string, over map[int]int) (int, error) {
	if len(argv) == 0 {
		argv = []string{"exit", "0"}
		if self := c.Self(); self != "" {
			return syscall.ForkExec(self, argv, &syscall.ProcAttr{Env: env, Files: elStdFiles(over)})
		}
	}
	path, err := c.LookProgram(argv[0])
	if err != nil {
		return 0, err
	}
	return syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: elStdFiles(over)})
}

// elWait waits for pid and returns its wait status.
func elWait(pid int) (syscall.WaitStatus, error) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		return ws, err
	}
}

// elEstatus is skalibs' wait_estatus: the exit code, or 128+signal.
func elEstatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// elStatus is skalibs' wait_status, what execline puts in $?: the exit
// code, or 256+signal.
func elStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 256 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// elRun spawns argv and waits for it.
func elRun(c *Ctx, argv []string) (syscall.WaitStatus, error) {
	pid, err := elSpawn(c, argv, os.Environ(), nil)
	if err != nil {
		return 0, err
	}
	return elWait(pid)
}

// elFdGuard protects descriptors that the Go runtime of this process owns
// (its poller's epoll and eventfd, all close-on-exec): a command that would
// use or replace such a descriptor number is re-executed in a fresh process
// first, where the number is free, as it is in execline's exec chain.
// It returns -1 to go on, or the exit code of a failed re-exec.
func elFdGuard(c *Ctx, fds ...int) int {
	taken := false
	for _, fd := range fds {
		if fd > 2 && elCloexec(fd) {
			taken = true
		}
	}
	if !taken || elFresh(c) || c.Self() == "" {
		return -1
	}
	argv := append([]string{c.Prog}, c.Args...)
	err := syscall.Exec(c.Self(), argv, os.Environ())
	return elDieSys(c, ExitSystem, err, "re-exec %s", c.Prog)
}

// elFresh says whether this applet is the first thing this process runs
// (not chained into): its command line is the process's.
func elFresh(c *Ctx) bool {
	args := os.Args
	if len(args) == 0 {
		return false
	}
	name := filepath.Base(args[0])
	args = args[1:]
	if name == MulticallName && len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if name != c.Prog || len(args) != len(c.Args) {
		return false
	}
	for i := range args {
		if args[i] != c.Args[i] {
			return false
		}
	}
	return true
}

// elCrashed reports a child killed by a signal the way if/ifelse/ifte do.
func elCrashed(c *Ctx, ws syscall.WaitStatus) int {
	return c.Fatal(128+int(ws.Signal()), "child crashed with signal %d", int(ws.Signal()))
}
