// Package loghost runs loggers inside the scanner instead of as a process
// each (README, "Hosted loggers"). The scanner's in-process host gives the
// supervisor of every log/ sub-service a Spawner from ForLogger. When that
// supervisor starts ./run and the Planner recognises the script as one of
// the plain forms that only run our s6-log (behind our chain-loaders), the
// logger runs as a goroutine of the scanner on duplicates of the
// descriptors run would have had; anything else is spawned as before.
//
// The supervisor is unchanged: status, event/, death_tally and the control
// fifo are written as for a process. The hosted logger's "pid" is the
// scanner's own; the supervisor's signals for it reach the logger through
// SignalChild (supervisor.Signaler) and never kill(2). Its exit is a wait
// status made up from how the logger ended.
//
// A logger that runs as another user (s6-setuidgid) runs on an OS thread
// of its own, locked for its whole life, whose file-system credentials
// (setfsuid, setfsgid, setgroups: per thread on Linux) are the user's; the
// thread ends with the logger and is never reused. Its processors are
// spawned with the user's credentials.
package loghost

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/core/errtext"
	"s6box/core/reaper"
	"s6box/core/supervisor"
	"s6box/logger"
)

// OptOutFile, in a log service directory, makes its logger run as a
// process; OptOutEnv=0 in the scanner's environment does it for all.
const (
	OptOutFile = "no-loghost"
	OptOutEnv  = "S6BOX_LOGHOST"
)

// Plan is a recognised run script: what the logger would have been.
type Plan struct {
	// Config holds the logger's script and options; the host fills in
	// the descriptors, Hosted and the processor fields.
	Config logger.Config
	// StderrFd is the run descriptor the logger's stderr is: 2, or 1
	// after `exec 2>&1` / `fdmove -c 2 1`.
	StderrFd int
	// Cred, when not nil, is the account of s6-setuidgid.
	Cred *syscall.Credential
	// Env is the environment after the chain-loaders (envdir): the
	// processors'.
	Env []string
	// ProcPrefix is put before a processor's command (softlimit).
	ProcPrefix []string
}

// Planner reads the run script of the service directory dir (reachable,
// possibly as /proc/self/fd/N; abs is its absolute path) with env, the
// environment run would get. It returns nil, nil when the script is not one
// the host runs, and an error saying why when it looked like one but cannot
// be hosted (the logger then runs as a process, which reports it).
type Planner func(dir, abs string, env []string) (*Plan, error)

// Host makes the spawners of the loggers' supervisors.
type Host struct {
	Plan Planner
	Logf func(level, format string, args ...any)
}

// ForLogger implements scanner.LoggerSpawners.
func (h *Host) ForLogger(name string, base supervisor.Spawner) supervisor.Spawner {
	return &slot{h: h, name: name, base: base}
}

func (h *Host) logf(level, format string, args ...any) {
	if h.Logf != nil {
		h.Logf(level, format, args...)
	}
}

// slot is the spawner of one logger's supervisor; the supervisor calls it
// from its one goroutine only.
type slot struct {
	h    *Host
	name string
	base supervisor.Spawner
	cur  *instance // the hosted logger of the latest run, if hosted
	told string    // the last "runs as a process" reason logged
}

// Spawn implements supervisor.Spawner.
func (s *slot) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	s.cur = nil
	if path != "./run" || attr == nil || optedOut(attr) {
		return s.base.Spawn(path, argv, attr)
	}
	abs := attr.Dir
	if strings.HasPrefix(abs, "/proc/self/fd/") {
		if p, err := os.Readlink(abs); err == nil {
			abs = p
		}
	}
	plan, err := s.h.Plan(attr.Dir, abs, attr.Env)
	if err == nil && plan != nil {
		var in *instance
		in, err = start(s.h, s.name, s.base, plan, attr)
		if err == nil {
			s.cur, s.told = in, ""
			return os.Getpid(), in.exit, nil
		}
		if errors.Is(err, errSpawn) {
			return 0, nil, err
		}
	}
	if err != nil {
		if msg := err.Error(); msg != s.told {
			s.told = msg
			s.h.logf("info", "logger %s runs as a process: %v", s.name, err)
		}
	}
	return s.base.Spawn(path, argv, attr)
}

// SignalChild implements supervisor.Signaler: the hosted logger's pid is
// this process's, which is never signalled.
func (s *slot) SignalChild(pid int, sig syscall.Signal) bool {
	if pid != os.Getpid() {
		return false
	}
	if s.cur != nil {
		s.cur.lg.Signal(sig)
	}
	return true
}

// KillChildren implements scanner.ChildKiller: once the supervisor has
// ended (normally only with its logger down), a hosted logger still
// running is ended, so that the supervisor's successor does not start a
// second one.
func (s *slot) KillChildren() {
	if s.cur != nil {
		s.cur.lg.Signal(syscall.SIGKILL)
	}
}

func optedOut(attr *syscall.ProcAttr) bool {
	for _, kv := range attr.Env {
		if v, ok := strings.CutPrefix(kv, OptOutEnv+"="); ok && v == "0" {
			return true
		}
	}
	return syscall.Access(attr.Dir+"/"+OptOutFile, unix.F_OK) == nil
}

// errSpawn marks a failure the supervisor should see as a failed spawn
// (no descriptor left) rather than a reason to run a process.
var errSpawn = errors.New("unable to host the logger")

// instance is one hosted logger run.
type instance struct {
	h    *Host
	name string
	lg   *logger.Logger
	cred *syscall.Credential
	own  []int // descriptors to close at the end (stdout, stderr, held extras)
	// stdin and the notification descriptor: the logger closes them, or
	// run does when the logger never ran.
	stdin, notify int
	exit          chan reaper.Exit
}

const closedFd = ^uintptr(0)

func start(h *Host, name string, base supervisor.Spawner, plan *Plan, attr *syscall.ProcAttr) (*instance, error) {
	cfg := plan.Config
	files := attr.Files
	fdAt := func(n int) (uintptr, bool) {
		if n < 0 || n >= len(files) || files[n] == closedFd {
			return 0, false
		}
		return files[n], true
	}
	cred := plan.Cred
	if cred != nil && cred.Uid == uint32(os.Geteuid()) && cred.Gid == uint32(os.Getegid()) && sameGroups(cred.Groups) {
		cred = nil
	}
	if cred != nil && os.Geteuid() != 0 {
		return nil, fmt.Errorf("switching to uid %d needs root", cred.Uid)
	}
	if cfg.NotifyFd >= 0 {
		if _, ok := fdAt(cfg.NotifyFd); !ok {
			return nil, fmt.Errorf("notification fd %d is not open", cfg.NotifyFd)
		}
	}
	for _, n := range []int{0, 1, plan.StderrFd} {
		if _, ok := fdAt(n); !ok {
			return nil, fmt.Errorf("descriptor %d is not open", n)
		}
	}
	in := &instance{h: h, name: name, cred: cred, exit: make(chan reaper.Exit, 1)}
	var opened []int
	var derr error
	dup := func(n int) int {
		if derr != nil {
			return -1
		}
		fd, _ := fdAt(n)
		d, err := unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			derr = fmt.Errorf("%w %s: unable to duplicate descriptor %d: %w", errSpawn, name, n, err)
			return -1
		}
		opened = append(opened, d)
		return d
	}
	stdin, stdout, stderr, notify := dup(0), dup(1), dup(plan.StderrFd), -1
	if cfg.NotifyFd >= 0 {
		notify = dup(cfg.NotifyFd)
	}
	in.own = []int{stdout, stderr}
	// Other descriptors run was given (lock-fd) are held while it runs.
	for n := 3; n < len(files); n++ {
		if _, ok := fdAt(n); ok && n != cfg.NotifyFd {
			in.own = append(in.own, dup(n))
		}
	}
	if derr != nil {
		for _, fd := range opened {
			unix.Close(fd)
		}
		return nil, derr
	}
	cfg.Stdin, cfg.NotifyFd = stdin, notify // the logger closes these two
	in.stdin, in.notify = stdin, notify
	cfg.Stdout = fdWriter(stdout)
	cfg.Stderr = fdWriter(stderr)
	cfg.Hosted = true
	cfg.Starter = starter{sp: base}
	cfg.ProcEnv, cfg.ProcCred, cfg.ProcPrefix, cfg.ProcStderr = plan.Env, cred, plan.ProcPrefix, stderr
	if cfg.ProcEnv == nil {
		cfg.ProcEnv = attr.Env
	}
	in.lg = logger.New(cfg)
	go in.run(cfg.Stderr, cfg.Prog)
	return in, nil
}

func sameGroups(g []uint32) bool {
	have, err := unix.Getgroups()
	if err != nil || len(have) != len(g) {
		return false
	}
	for i := range g {
		if uint32(have[i]) != g[i] {
			return false
		}
	}
	return true
}

func (in *instance) closeAll() {
	for _, fd := range in.own {
		unix.Close(fd)
	}
	in.own = nil
}

// run is the logger's goroutine. Whatever happens (an error, a panic), the
// supervisor gets an exit status and the descriptors are closed.
func (in *instance) run(stderr io.Writer, prog string) {
	status := exited(111)
	defer func() {
		in.closeAll()
		in.exit <- reaper.Exit{Pid: os.Getpid(), Status: status}
	}()
	defer func() {
		if r := recover(); r != nil {
			in.h.logf("warning", "hosted logger %s failed: %v", in.name, r)
			status = exited(111)
		}
	}()
	if in.cred != nil {
		// Never unlocked: the thread ends with this goroutine, so its
		// credentials are never seen by any other goroutine.
		runtime.LockOSThread()
		if err := setThreadCred(in.cred); err != nil {
			fmt.Fprintf(stderr, "%s: fatal: %s\n", prog, errtext.Message(err))
			unix.Close(in.stdin)
			if in.notify >= 0 {
				unix.Close(in.notify)
			}
			return
		}
	}
	err := in.lg.Run()
	var ee *logger.ExitError
	var ke *logger.KilledError
	switch {
	case err == nil:
		status = exited(0)
	case errors.As(err, &ke):
		status = syscall.WaitStatus(ke.Sig)
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "%s: fatal: %s\n", prog, errtext.Message(ee.Err))
		status = exited(ee.Code)
	default:
		fmt.Fprintf(stderr, "%s: fatal: %s\n", prog, errtext.Message(err))
	}
}

func exited(code int) syscall.WaitStatus { return syscall.WaitStatus(code << 8) }

// setThreadCred gives the calling (locked) thread the file-system identity
// of cred. setgroups, setfsgid and setfsuid are per-thread system calls
// (the runtime's syscall.Setuid and friends change every thread: not used).
// Leaving fsuid 0 drops the thread's file capabilities, so the kernel
// checks permissions as for the user.
func setThreadCred(c *syscall.Credential) error {
	groups := make([]int, 0, len(c.Groups)+1)
	groups = append(groups, int(c.Gid))
	for _, g := range c.Groups {
		if g != c.Gid {
			groups = append(groups, int(g))
		}
	}
	if err := unix.Setgroups(groups); err != nil {
		return fmt.Errorf("unable to set supplementary group list: %w", err)
	}
	unix.SetfsgidRetGid(int(c.Gid))
	if g, _ := unix.SetfsgidRetGid(-1); g != int(c.Gid) {
		return fmt.Errorf("unable to setfsgid %d", c.Gid)
	}
	unix.SetfsuidRetUid(int(c.Uid))
	if u, _ := unix.SetfsuidRetUid(-1); u != int(c.Uid) {
		return fmt.Errorf("unable to setfsuid %d", c.Uid)
	}
	return nil
}

// fdWriter writes to a descriptor with plain write(2) calls: a blocking
// pipe (the scanner's stdout) blocks this logger's goroutine only.
type fdWriter int

func (w fdWriter) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := unix.Write(int(w), b[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: "fd " + strconv.Itoa(int(w)), Err: err}
		}
		n += m
	}
	return n, nil
}

// starter starts processors through the scanner's spawner (they die with
// the scanner, as its other children do).
type starter struct{ sp supervisor.Spawner }

func (s starter) StartProcess(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	return s.sp.Spawn(path, argv, attr)
}
