package supervisor

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/ftrig"
	"s6box/core/lock"
	"s6box/core/rawio"
	"s6box/core/reaper"
	"s6box/core/status"
)

// Spawner starts children. The default, ReaperSpawner, starts them through
// the process's single reaper (ARCHITECTURE.md, "Reaper").
type Spawner interface {
	Spawn(path string, argv []string, attr *syscall.ProcAttr) (pid int, exit <-chan reaper.Exit, err error)
}

type reaperSpawner struct{ r *reaper.Reaper }

func (rs reaperSpawner) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	return rs.r.StartProcess(path, argv, attr)
}

// ReaperSpawner spawns children with r.StartProcess.
func ReaperSpawner(r *reaper.Reaper) Spawner { return reaperSpawner{r} }

// Options describe one supervised service.
type Options struct {
	Dir                   string // service directory
	Name                  string // SERVICENAME: argv[1] of run, last arg of finish ("" = Dir)
	Stdin, Stdout, Stderr uintptr
	Spawner               Spawner                                 // required
	Logf                  func(level, format string, args ...any) // "warning", "info", "fatal"; nil = silent
	Env                   []string                                // environment of run/finish (nil = os.Environ())
	// NullStdio, if set, is called once when the supervisor is told to exit
	// after the service is down (`x`, SIGHUP, SIGTERM while finishing): the
	// host may then release its own stdin/stdout (s6-supervise points its fd
	// 0 and 1 at /dev/null). Children spawned afterwards get /dev/null as
	// stdin and stdout in any case.
	NullStdio func()
}

// ErrLocked is returned (wrapped) by Start when another supervisor holds
// supervise/lock.
var ErrLocked = errors.New("another instance of supervise is already running")

// ErrLayout is returned (wrapped) by Start when supervise/control is not a
// fifo, or event, supervise or the service directory is not a directory.
var ErrLayout = errors.New("bad service directory layout")

// Supervisor is one running supervisor.
type Supervisor struct {
	o         Options
	dir       string // how the service directory is reached (see pinDir)
	shown     string // absolute service directory, for messages
	pinF      *os.File
	sup       string // dir/supervise
	events    string // dir/event
	m         *machine
	ch        chan event
	done      chan struct{}
	lockF     *os.File
	ctlR      *os.File // supervise/control, opened read-write
	nullF     *os.File
	timer     *time.Timer
	runExit   <-chan reaper.Exit
	finExit   <-chan reaper.Exit
	ready     *os.File // read end of the notification pipe of the current run
	stopMu    sync.Once
	started   bool  // the start-up event is done
	startWarn error // death_tally failure during start-up
}

// Start sets up DIR/supervise (lock, control fifo, status, death_tally) and
// DIR/event, emits `s`, starts the service if it is wanted up, and runs the
// supervisor in its own goroutine until Done.
func Start(o Options) (*Supervisor, error) {
	if o.Spawner == nil {
		return nil, errors.New("supervisor: no Spawner")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("unable to resolve %s: %w", o.Dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("unable to chdir to %s: %w", o.Dir, fsutil.Bare(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("unable to chdir to %s: %w", o.Dir, syscall.ENOTDIR)
	}
	if o.Name == "" {
		o.Name = o.Dir
	}
	pinF, reach := pinDir(dir, st)
	s := &Supervisor{
		o: o, dir: reach, shown: dir, pinF: pinF,
		sup:    filepath.Join(reach, "supervise"),
		events: filepath.Join(reach, "event"),
		ch:     make(chan event, 4),
		done:   make(chan struct{}),
	}
	if err := s.setup(); err != nil {
		s.release()
		return nil, s.shownErr(err)
	}
	s.m = newMachine(s, o.Dir)
	if err := s.first(); err != nil {
		s.release()
		return nil, s.shownErr(err)
	}
	go s.readControl()
	go s.loop()
	return s, nil
}

// first runs the start-up event; a panic there is an error, not a crash.
func (s *Supervisor) first() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error starting the supervisor of %s: %v", s.o.Dir, r)
		}
	}()
	s.m.handle(event{kind: evStart})
	if s.m.startErr != nil {
		return fmt.Errorf("unable to write the status of %s: %w", s.o.Dir, s.m.startErr)
	}
	s.started = true
	if s.startWarn != nil {
		s.logf("warning", "unable to truncate death_tally: %v", s.startWarn)
	}
	return nil
}

// Done is closed after the supervisor emitted `x` and released everything.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Signal delivers a host signal: SIGTERM, SIGHUP, SIGQUIT or SIGINT with the
// meaning s6-supervise gives them. Other signals are ignored.
func (s *Supervisor) Signal(sig syscall.Signal) { s.post(event{kind: evSignal, sig: sig}) }

// Dir is the absolute service directory (as it was named at start).
func (s *Supervisor) Dir() string { return s.shown }

func (s *Supervisor) post(ev event) {
	select {
	case s.ch <- ev:
	case <-s.done:
	}
}

func (s *Supervisor) logf(level, format string, a ...any) {
	if s.o.Logf == nil {
		return
	}
	msg := fmt.Sprintf(format, a...)
	if s.pinF != nil {
		msg = strings.ReplaceAll(msg, s.dir, s.shown)
	}
	s.o.Logf(level, "%s", msg)
}

// ensureDir makes sure p is a directory, creating it (mode 0700) when
// missing. A dangling symlink gets its target created. It reports whether
// it created anything.
func ensureDir(p string) (bool, error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(p, 0o700); err != nil {
			return false, fmt.Errorf("unable to mkdir %s: %w", p, fsutil.Bare(err))
		}
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("unable to stat %s: %w", p, fsutil.Bare(err))
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			target, err := os.Readlink(p)
			if err != nil {
				return false, fmt.Errorf("unable to readlink %s: %w", p, fsutil.Bare(err))
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(p), target)
			}
			if err := os.Mkdir(target, 0o700); err != nil {
				return false, fmt.Errorf("unable to mkdir %s (target of dangling symlink %s): %w", target, p, fsutil.Bare(err))
			}
			return true, nil
		}
		fi, err = os.Stat(p)
		if err != nil {
			return false, fmt.Errorf("unable to stat %s: %w", p, fsutil.Bare(err))
		}
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s is not a directory: %w", p, ErrLayout)
	}
	return false, nil
}

func (s *Supervisor) setup() error {
	created, err := ensureDir(s.sup)
	if err != nil {
		return err
	}
	if created {
		if err := os.Chmod(s.sup, 0o700); err != nil {
			return fmt.Errorf("unable to chmod %s: %w", s.sup, fsutil.Bare(err))
		}
	}
	created, err = ensureDir(s.events)
	if err != nil {
		return err
	}
	if err := ftrig.MakeFifodir(s.events, false, created); err != nil {
		return err
	}
	lp := filepath.Join(s.sup, "lock")
	s.lockF, err = lock.Acquire(lp, 0o644)
	if err != nil {
		if errors.Is(err, lock.ErrLocked) {
			return fmt.Errorf("%w on %s", ErrLocked, s.o.Dir)
		}
		return err
	}
	// A supervisor killed while it held back a start (restart-backoff)
	// leaves supervise/backoff behind: nothing is pending now.
	if err := status.RemoveBackoff(s.sup); err != nil {
		s.logf("warning", "%v", err)
	}
	cp := filepath.Join(s.sup, "control")
	fi, err := os.Lstat(cp)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := syscall.Mkfifo(cp, 0o600); err != nil && err != syscall.EEXIST {
			return fmt.Errorf("unable to mkfifo %s: %w", cp, err)
		}
		if err := os.Chmod(cp, 0o600); err != nil {
			return fmt.Errorf("unable to chmod %s: %w", cp, fsutil.Bare(err))
		}
	case err != nil:
		return fmt.Errorf("unable to stat %s: %w", cp, fsutil.Bare(err))
	case fi.Mode()&fs.ModeNamedPipe == 0:
		return fmt.Errorf("%s is not a fifo: %w", cp, ErrLayout)
	}
	// One non-blocking read-write open (Linux allows it on a fifo): the
	// runtime poller waits on it, and being a writer too means the reader
	// never sees end-of-file. One descriptor per service, not two: svscan
	// holds these for every service, and every fork copies its table.
	s.ctlR, err = os.OpenFile(cp, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", cp, fsutil.Bare(err))
	}
	return nil
}

// release closes everything Start opened; the lock goes last.
func (s *Supervisor) release() {
	if s.timer != nil {
		s.timer.Stop()
	}
	s.stopReadiness()
	for _, f := range []*os.File{s.ctlR, s.nullF, s.lockF, s.pinF} {
		if f != nil {
			f.Close()
		}
	}
}

func (s *Supervisor) readControl() {
	var buf [64]byte
	for {
		n, err := s.ctlR.Read(buf[:])
		for i := 0; i < n; i++ {
			s.post(event{kind: evControl, b: buf[i]})
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return // closed at exit
		}
	}
}

func (s *Supervisor) loop() {
	defer func() {
		if r := recover(); r != nil {
			s.logf("fatal", "internal error supervising %s: %v", s.o.Dir, r)
			if s.m.state != StateExited {
				s.m.state = StateExited
				s.notify("x")
			}
		}
		s.release()
		close(s.done)
	}()
	for s.m.state != StateExited {
		var tc <-chan time.Time
		if s.timer != nil {
			tc = s.timer.C
		}
		select {
		case ev := <-s.ch:
			s.m.handle(ev)
		case e := <-s.runExit:
			s.runExit = nil
			s.m.handle(event{kind: evRunExit, pid: e.Pid, wstat: e.Status})
		case e := <-s.finExit:
			s.finExit = nil
			s.m.handle(event{kind: evFinishExit, pid: e.Pid, wstat: e.Status})
		case <-tc:
			s.m.handle(event{kind: evTimer})
		}
	}
}

// ---- effects ----

func (s *Supervisor) now() time.Time { return time.Now() }

func (s *Supervisor) setTimer(d time.Duration) {
	if s.timer == nil {
		s.timer = time.NewTimer(d)
		return
	}
	s.timer.Reset(d) // Go ≥1.23: no stale tick survives Reset or Stop
}

func (s *Supervisor) stopTimer() {
	if s.timer != nil {
		s.timer.Stop()
	}
}

func (s *Supervisor) env() []string {
	if s.o.Env != nil {
		return s.o.Env
	}
	return os.Environ()
}

// files builds the child's descriptor table: stdio, then extra fds at
// their positions (holes are closed in the child).
func (s *Supervisor) files(extra map[int]uintptr) []uintptr {
	files := []uintptr{s.o.Stdin, s.o.Stdout, s.o.Stderr}
	for fd, v := range extra {
		for len(files) <= fd {
			files = append(files, ^uintptr(0))
		}
		files[fd] = v
	}
	return files
}

func isForkErr(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// maxChildFd bounds notification-fd and lock-fd: the child's descriptor
// table is built up to that number.
const maxChildFd = 1 << 16

func checkFd(name string, fd int) error {
	var rl unix.Rlimit
	limit := maxChildFd
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil && rl.Max < uint64(limit) {
		limit = int(rl.Max)
	}
	if fd >= limit {
		return fmt.Errorf("%s %d is not below the descriptor limit %d", name, fd, limit)
	}
	return nil
}

func (s *Supervisor) startRun(r runSpec) (int, error) {
	if err := checkFd("notification-fd", r.notifyFd); err != nil {
		return 0, &spawnError{err: err}
	}
	if err := checkFd("lock-fd", r.lockFd); err != nil {
		return 0, &spawnError{err: err}
	}
	extra := map[int]uintptr{}
	var pr, pw, lk *os.File
	closeAll := func() {
		for _, f := range []*os.File{pw, lk} {
			if f != nil {
				f.Close()
			}
		}
	}
	if r.notifyFd >= 0 {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return 0, &spawnError{err: fmt.Errorf("unable to create the notification pipe: %w", err), fork: true}
		}
		unix.SetNonblock(p[0], true)
		pr = os.NewFile(uintptr(p[0]), "notification pipe")
		pw = os.NewFile(uintptr(p[1]), "notification pipe")
		extra[r.notifyFd] = pw.Fd()
	}
	if r.lockFd >= 0 {
		// [HEAD] lock-fd: supervise/service-lock is created; the locked
		// open file description is handed to run, so the lock lives
		// exactly as long as run (and what it forks) keeps fd N open.
		p := filepath.Join(s.sup, "service-lock")
		f, err := lock.Acquire(p, 0o644)
		if err != nil {
			if pr != nil {
				pr.Close()
			}
			closeAll()
			return 0, &spawnError{err: err}
		}
		lk = f
		extra[r.lockFd] = lk.Fd()
	}
	attr := &syscall.ProcAttr{
		Dir:   s.dir,
		Env:   s.env(),
		Files: s.files(extra),
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	pid, exit, err := s.o.Spawner.Spawn("./run", []string{"run", s.o.Name}, attr)
	closeAll()
	if err != nil {
		if pr != nil {
			pr.Close()
		}
		return 0, &spawnError{err: err, fork: isForkErr(err)}
	}
	s.runExit = exit
	if pr != nil {
		s.ready = pr
		go s.readReadiness(pr, r.gen)
	}
	return pid, nil
}

func (s *Supervisor) readReadiness(f *os.File, gen uint64) {
	var buf [64]byte
	for {
		n, err := f.Read(buf[:])
		for i := 0; i < n; i++ {
			if buf[i] == '\n' {
				s.post(event{kind: evReady, gen: gen})
				return
			}
		}
		if err != nil {
			s.post(event{kind: evReadyEOF, gen: gen})
			return
		}
	}
}

func (s *Supervisor) stopReadiness() {
	if s.ready != nil {
		s.ready.Close()
		s.ready = nil
	}
}

func (s *Supervisor) startFinish(argv []string) (int, error) {
	// Most services have no finish: ask first rather than fork a child
	// whose exec fails (about a millisecond before the "d" event).
	if !s.exists("finish") {
		return 0, syscall.ENOENT
	}
	attr := &syscall.ProcAttr{
		Dir:   s.dir,
		Env:   s.env(),
		Files: s.files(nil),
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	pid, exit, err := s.o.Spawner.Spawn("./finish", append(argv, s.o.Name), attr)
	if err != nil {
		return 0, err
	}
	s.finExit = exit
	return pid, nil
}

// Signaler is implemented by a Spawner that runs some children without a
// process of their own (a scanner hosting loggers): their signals go to
// SignalChild, which reports whether pid was such a child. It must not
// block.
type Signaler interface {
	SignalChild(pid int, sig syscall.Signal) bool
}

func (s *Supervisor) hosted(pid int, sig syscall.Signal) bool {
	sg, ok := s.o.Spawner.(Signaler)
	return ok && sg.SignalChild(pid, sig)
}

func (s *Supervisor) kill(pid int, sig syscall.Signal) {
	if pid > 0 && !s.hosted(pid, sig) {
		syscall.Kill(pid, sig)
	}
}

func (s *Supervisor) killpg(pid int, sig syscall.Signal) {
	if pid > 0 && !s.hosted(pid, sig) {
		syscall.Kill(-pid, sig)
	}
}

func (s *Supervisor) writeStatus(st status.Status) error {
	err := status.Write(s.sup, st)
	if err != nil && s.started { // at start-up Start returns it
		s.logf("warning", "unable to write status: %v", err)
	}
	return err
}

func (s *Supervisor) notify(ev string) {
	if err := ftrig.Notify(s.events, []byte(ev)); err != nil {
		s.logf("warning", "unable to notify %s: %v", s.events, err)
	}
}

// readFile reads the first bytes of a configuration file of the service
// directory. Whoever may write the directory could put a fifo or a device
// there: the open does not block and anything but a regular file is an
// error (rawio.ErrNotRegular), which the machine reports naming the file
// before it goes on with the default. A symlink the administrator placed is
// followed, as s6 does.
func (s *Supervisor) readFile(name string) ([]byte, error) {
	b, err := rawio.ReadRegular(filepath.Join(s.dir, name), 0, configMax)
	return b, fsutil.Bare(err)
}

// configMax is how much of a configuration file is read: its first line is
// at most 15 bytes (a signal name), 11 (a number) or three numbers with
// blanks (restart-backoff).
const configMax = 64

func (s *Supervisor) exists(name string) bool {
	return syscall.Access(filepath.Join(s.dir, name), unix.F_OK) == nil
}

// touchDown makes sure DIR/down exists. It never opens an existing entry:
// a fifo named down would block an open for writing, and a symlink would
// have root create or open a file elsewhere.
func (s *Supervisor) touchDown() error {
	fd, err := rawio.Open(filepath.Join(s.dir, "down"), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o666)
	if err == unix.EEXIST {
		return nil
	}
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

func (s *Supervisor) removeDown() error {
	return fsutil.Bare(os.Remove(filepath.Join(s.dir, "down")))
}

func (s *Supervisor) resetDeaths() {
	if err := status.WriteFileAtomic(filepath.Join(s.sup, "death_tally"), nil); err != nil {
		if !s.started {
			s.startWarn = err // told only if the start succeeds
			return
		}
		s.logf("warning", "unable to truncate death_tally: %v", err)
	}
}

func (s *Supervisor) appendDeath(d status.Death, max int) {
	if err := status.AppendDeath(s.sup, d, max); err != nil {
		s.logf("warning", "unable to update death_tally: %v", err)
	}
}

func (s *Supervisor) publishBackoff(b status.Backoff) {
	if err := status.WriteBackoff(s.sup, b); err != nil {
		s.logf("warning", "unable to write the restart backoff: %v", err)
	}
}

func (s *Supervisor) clearBackoff() {
	if err := status.RemoveBackoff(s.sup); err != nil {
		s.logf("warning", "%v", err)
	}
}

func (s *Supervisor) nullStdio() {
	if s.nullF == nil {
		f, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
		if err != nil {
			s.logf("warning", "unable to open /dev/null: %v", err)
			return
		}
		s.nullF = f
	}
	s.o.Stdin, s.o.Stdout = s.nullF.Fd(), s.nullF.Fd()
	if s.o.NullStdio != nil {
		s.o.NullStdio()
	}
}
