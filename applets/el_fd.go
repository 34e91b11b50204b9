package applets

// Descriptor commands: fdmove, fdclose, fdswap, fdblock, fdreserve,
// redirfd, piperw, heredoc, pipeline. They use plain system calls so the
// descriptors they hand on are exactly the ones named.

import (
	"os"
	"strconv"
	"syscall"

	"s6box/applets/getopt"
)

// elMove is skalibs' fd_move: from becomes to, from is closed (a no-op
// when they are equal).
func elMove(to, from int) error {
	if to == from {
		return nil
	}
	if err := elDup2(from, to); err != nil {
		return err
	}
	return syscall.Close(from)
}

// elDup2 is dup2 retried on EINTR, with the close-on-exec flag clear.
func elDup2(from, to int) error {
	for {
		err := syscall.Dup3(from, to, 0)
		if err != syscall.EINTR {
			return err
		}
	}
}

// elCopy is fd_copy: to becomes a copy of from.
func elCopy(to, from int) error {
	if to == from {
		if !elFdOpen(from) {
			return syscall.EBADF
		}
		return nil
	}
	return elDup2(from, to)
}

func elSetNonblock(fd int, on bool) error {
	return syscall.SetNonblock(fd, on)
}

func fdmoveMain(c *Ctx) int {
	const usage = "fdmove [ -c ] to from prog..."
	opts, argv, err := getopt.Parse(c.Args, "c")
	if err != nil || len(argv) < 3 {
		return elUsage(c, usage)
	}
	to, ok1 := elFd(argv[0])
	from, ok2 := elFd(argv[1])
	if !ok1 || !ok2 {
		return elUsage(c, usage)
	}
	if code := elFdGuard(c, to, from); code >= 0 {
		return code
	}
	if len(opts) > 0 {
		err = elCopy(to, from)
	} else {
		err = elMove(to, from)
	}
	if err != nil {
		return elDieSys(c, ExitSystem, err, "move fd %s to fd %s", argv[1], argv[0])
	}
	return elExec(c, argv[2:])
}

func fdcloseMain(c *Ctx) int {
	if len(c.Args) < 2 {
		return elUsage(c, "fdclose fd prog...")
	}
	fd, ok := elFd(c.Args[0])
	if !ok {
		return elUsage(c, "fdclose fd prog...")
	}
	if code := elFdGuard(c, fd); code >= 0 {
		return code
	}
	syscall.Close(fd)
	return elExec(c, c.Args[1:])
}

func fdswapMain(c *Ctx) int {
	const usage = "fdswap fd1 fd2 prog..."
	if len(c.Args) < 3 {
		return elUsage(c, usage)
	}
	a, ok1 := elFd(c.Args[0])
	b, ok2 := elFd(c.Args[1])
	if !ok1 || !ok2 {
		return elUsage(c, usage)
	}
	if code := elFdGuard(c, a, b); code >= 0 {
		return code
	}
	if a != b {
		tmp, err := syscall.Dup(a)
		if err == nil {
			if err = elDup2(b, a); err == nil {
				err = elDup2(tmp, b)
			}
			syscall.Close(tmp)
		}
		if err != nil {
			return elDieSys(c, ExitSystem, err, "swap fds")
		}
	}
	return elExec(c, c.Args[2:])
}

func fdblockMain(c *Ctx) int {
	const usage = "fdblock [ -n ] fd prog..."
	opts, argv, err := getopt.Parse(c.Args, "n")
	if err != nil || len(argv) < 2 {
		return elUsage(c, usage)
	}
	fd, ok := elFd(argv[0])
	if !ok {
		return elUsage(c, usage)
	}
	if code := elFdGuard(c, fd); code >= 0 {
		return code
	}
	block := len(opts) == 0
	if err := elSetNonblock(fd, !block); err != nil {
		if block {
			return elDieSys(c, ExitSystem, err, "ndelay_off")
		}
		return elDieSys(c, ExitSystem, err, "ndelay_on")
	}
	return elExec(c, argv[1:])
}

func fdreserveMain(c *Ctx) int {
	const usage = "fdreserve n prog..."
	if len(c.Args) < 2 {
		return elUsage(c, usage)
	}
	n, ok := elUint(c.Args[0])
	if !ok {
		return elUsage(c, usage)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return elDieSys(c, ExitSystem, err, "getrlimit")
	}
	if uint64(n) > lim.Cur {
		return c.Fatal(ExitUsage, "too many requested fds")
	}
	// Open n descriptors to learn which numbers are free, then close them.
	fds := make([]int, 0, n)
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	for i := uint(0); i < n; i++ {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY, 0)
		if err != nil {
			return elDieSys(c, ExitSystem, err, "reserve fds")
		}
		fds = append(fds, fd)
	}
	for i, fd := range fds {
		if !elSetenv(c, "FD"+strconv.Itoa(i), strconv.Itoa(fd)) {
			return ExitSystem
		}
	}
	for _, fd := range fds {
		syscall.Close(fd)
	}
	fds = nil
	return elExec(c, c.Args[1:])
}

func redirfdMain(c *Ctx) int {
	const usage = "redirfd -[ r | w | u | a | x ] [ -n ] [ -b ] fd file prog..."
	opts, argv, err := getopt.Parse(c.Args, "rwuaxnb")
	if err != nil {
		return elUsage(c, usage)
	}
	what := -1
	flags := 0
	changeMode := false
	const clear = syscall.O_APPEND | syscall.O_CREAT | syscall.O_TRUNC | syscall.O_EXCL
	for _, o := range opts {
		switch o.Letter {
		case 'r':
			what, flags = syscall.O_RDONLY, flags&^clear
		case 'w':
			what, flags = syscall.O_WRONLY, flags&^clear|syscall.O_CREAT|syscall.O_TRUNC
		case 'u':
			what, flags = syscall.O_RDWR, flags&^clear
		case 'a':
			what, flags = syscall.O_WRONLY, flags&^clear|syscall.O_CREAT|syscall.O_APPEND
		case 'x':
			what, flags = syscall.O_WRONLY, flags&^clear|syscall.O_CREAT|syscall.O_EXCL
		case 'n':
			flags |= syscall.O_NONBLOCK
		case 'b':
			changeMode = true
		}
	}
	if len(argv) < 3 || what == -1 {
		return elUsage(c, usage)
	}
	fd, ok := elFd(argv[0])
	if !ok {
		return elUsage(c, usage)
	}
	if code := elFdGuard(c, fd); code >= 0 {
		return code
	}
	flags |= what
	fd2, err := syscall.Open(argv[1], flags, 0o666)
	if err == syscall.ENXIO && what == syscall.O_WRONLY {
		// a fifo with no reader: open it for reading ourselves first
		fdr, err2 := syscall.Open(argv[1], syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err2 != nil {
			return elDieSys(c, ExitSystem, err2, "open_read %s", argv[1])
		}
		fd2, err = syscall.Open(argv[1], flags, 0o666)
		syscall.Close(fdr)
	}
	if err != nil {
		return elDieSys(c, ExitSystem, err, "open %s", argv[1])
	}
	if err := elMove(fd, fd2); err != nil {
		return elDieSys(c, ExitSystem, err, "move fd %d to fd %s", fd2, argv[0])
	}
	if changeMode {
		if err := elSetNonblock(fd, flags&syscall.O_NONBLOCK == 0); err != nil {
			return elDieSys(c, ExitSystem, err, "change blocking mode")
		}
	}
	return elExec(c, argv[2:])
}

func piperwMain(c *Ctx) int {
	const usage = "piperw fdr fdw prog..."
	if len(c.Args) < 3 {
		return elUsage(c, usage)
	}
	fdr, ok1 := elFd(c.Args[0])
	fdw, ok2 := elFd(c.Args[1])
	if !ok1 || !ok2 || fdr == fdw {
		return elUsage(c, usage)
	}
	if code := elFdGuard(c, fdr, fdw); code >= 0 {
		return code
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return elDieSys(c, ExitSystem, err, "create pipe")
	}
	var err error
	if p[1] == fdr {
		p[1], err = syscall.Dup(p[1])
	}
	if err == nil {
		err = elMove(fdr, p[0])
	}
	if err == nil {
		err = elMove(fdw, p[1])
	}
	if err != nil {
		return elDieSys(c, ExitSystem, err, "move fds")
	}
	return elExec(c, c.Args[2:])
}

func heredocMain(c *Ctx) int {
	const usage = "heredoc [ -d ] fd string command..."
	if len(c.Args) == 1 && c.Args[0] == "--write" {
		if v, ok := os.LookupEnv(elHeredocEnv); ok {
			c.Prog = "heredoc (child)"
			if err := elWriteAll(1, []byte(v)); err != nil {
				return elDieSys(c, ExitSystem, err, "allwrite")
			}
			return 0
		}
	}
	_, argv, err := getopt.Parse(c.Args, "d")
	if err != nil || len(argv) < 3 {
		return elUsage(c, usage)
	}
	fd, ok := elFd(argv[0])
	if !ok {
		return elUsage(c, usage)
	}
	if code := elFdGuard(c, fd); code >= 0 {
		return code
	}
	// A string that fits in any pipe's buffer (PIPE_BUF is at least a
	// page) is written here before anyone reads, which cannot block; a
	// longer one is fed by a child, as execline does.
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return elDieSys(c, ExitSystem, err, "pipe")
	}
	if len(argv[1]) <= 4096 {
		if err := elWriteAll(p[1], []byte(argv[1])); err != nil {
			return elDieSys(c, ExitSystem, err, "allwrite")
		}
		syscall.Close(p[1])
	} else {
		pid, err := elSpawnWriter(c, p[1], argv[1])
		syscall.Close(p[1])
		if err != nil {
			return elDieSys(c, ExitSystem, err, "fork")
		}
		_ = pid
	}
	if err := elMove(fd, p[0]); err != nil {
		return elDieSys(c, ExitSystem, err, "read on fd %s", argv[0])
	}
	if fd == p[0] {
		syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, 0)
	}
	return elExec(c, argv[2:])
}

func elWriteAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// elSpawnWriter starts a child that writes s to fd: this binary as
// `heredoc --write`, which writes the environment variable elHeredocEnv to
// its stdout.
func elSpawnWriter(c *Ctx, fd int, s string) (int, error) {
	self := c.Self()
	if self == "" {
		return 0, syscall.ENOENT
	}
	env := append(os.Environ(), elHeredocEnv+"="+s)
	return syscall.ForkExec(self, []string{"heredoc", "--write"}, &syscall.ProcAttr{Env: env, Files: []uintptr{^uintptr(0), uintptr(fd), 2}})
}

const elHeredocEnv = "S6BOX_HEREDOC_DATA"

func pipelineMain(c *Ctx) int {
	const usage = "pipeline [ -d ] [ -r | -w ] { command... } command..."
	opts, argv, err := getopt.Parse(c.Args, "drw")
	if err != nil {
		return elUsage(c, usage)
	}
	df, w := false, 0
	for _, o := range opts {
		switch o.Letter {
		case 'd':
			df = true
		case 'r':
			w = 0
		case 'w':
			w = 1
		}
	}
	n, code := elFirstBlock(c, argv, false)
	if code >= 0 {
		return code
	}
	if n+1 == len(argv) {
		return c.Fatal(ExitUsage, "empty remainder")
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return elDieSys(c, ExitSystem, err, "create pipe")
	}
	// The child's end: its stdout (reading pipeline) or stdin (-w).
	childFd := 1 - w
	over := map[int]int{childFd: p[childFd]}
	block := argv[:n]
	if df {
		block = append([]string{"background"}, append(quoteAll(block), "")...)
	}
	pid, err := elSpawn(c, block, os.Environ(), over)
	syscall.Close(p[childFd])
	if err != nil {
		return elDieSys(c, ExitSystem, err, "spawn %s", argv[0])
	}
	if df {
		elWait(pid)
	}
	if err := elMove(w, p[w]); err != nil {
		return elDieSys(c, ExitSystem, err, "fd_move")
	}
	if p[w] == w {
		syscall.Syscall(syscall.SYS_FCNTL, uintptr(w), syscall.F_SETFD, 0)
	}
	if !elSetenv(c, "!", strconv.Itoa(pid)) {
		return ExitSystem
	}
	return elExec(c, argv[n+1:])
}

func quoteAll(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = " " + a
	}
	return out
}
