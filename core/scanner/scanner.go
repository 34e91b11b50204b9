// Package scanner is s6-svscan's work: it watches a scan directory, runs
// one supervisor per service (and one per log/ sub-service, joined by a
// pipe the scanner holds), restarts dead supervisors, obeys the
// .s6-svscan/control fifo and the signal table, and runs the
// .s6-svscan/finish or crash script when it leaves.
//
// Supervisors are run by a Host: as separate supervise processes (s6's
// way) or in-process (svscan's default). The scanner itself is one
// goroutine that owns all of its state; supervisor deaths, control bytes,
// signals and timers reach it through channels.
package scanner

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/lock"
	"s6box/core/reaper"
	"s6box/core/signame"
)

// Defaults and bounds of the options (s6-svscan 2.15 semantics for -C/-L;
// -c of 2.11 counts main services only, so it maps to twice as many slots).
const (
	DefaultMaxServices = 1000
	MinMaxServices     = 4
	MaxMaxServices     = 160000
	DefaultNameMax     = 251
	MinNameMax         = 11
	MaxNameMax         = 1019

	// LoggerName is the catch-all logger's service name: never logged,
	// gets the console holder as stderr, and is told to stop last.
	LoggerName = "s6-svscan-log"

	restartDelay   = time.Second
	scanRetryDelay = 3 * time.Second
)

// ErrUsage marks setup failures s6-svscan reports with exit code 100
// (another scanner on the directory, .s6-svscan not a directory).
var ErrUsage = errors.New("usage error")

// Config is the scanner's world.
type Config struct {
	Dir            string        // scan directory
	MaxServices    int           // supervisors, loggers included
	NameMax        int           // longer names are skipped
	RescanInterval time.Duration // 0: no periodic rescan
	NotifyFd       int           // -d: write "\n" here when set up; -1: none
	ConsoleFd      int           // -X: stderr of s6-svscan-log, restored at exit; -1: none
	Reaper         *reaper.Reaper
	Host           Host
	Logf           func(level, format string, args ...any) // "warning", "info"
}

type devino struct{ dev, ino uint64 }

// slot is one supervisor: a service's main one or its logger's.
type slot struct {
	svc       *service
	name      string // "foo" or "foo/log"
	logger    bool
	h         Handle
	restartAt bool // a restart is scheduled
	failed    string
}

type service struct {
	key       devino
	name      string
	active    bool
	special   bool // s6-svscan-log
	gone      bool // forgotten: removed from the table
	main, log *slot
	pr, pw    int // held pipe ends, -1 when closed or unlogged
}

type event struct {
	dead    *slot
	h       Handle // the handle that died (a slot may have been restarted)
	restart *slot
	rescan  bool
}

// exit modes
const (
	running = iota
	teardown
	quit
)

// Scanner is one running s6-svscan.
type Scanner struct {
	c             Config
	dir           string
	services      map[devino]*service
	nslots        int
	events        chan event
	ctl           chan []byte
	sigs          chan os.Signal
	ctlR          *os.File
	ctlW          *os.File
	lockF         *os.File
	exit          int
	abort         bool
	retry         bool // a retry scan is scheduled
	warned        map[string]string
	nofile        syscall.Rlimit
	short         map[string]bool // services waiting for file descriptors
	shortReported int
}

// New checks the directory and takes .s6-svscan/lock; it starts nothing.
func New(c Config) (*Scanner, error) {
	if c.MaxServices == 0 {
		c.MaxServices = DefaultMaxServices
	}
	if c.NameMax == 0 {
		c.NameMax = DefaultNameMax
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return nil, fmt.Errorf("unable to resolve %s: %w", c.Dir, err)
	}
	if err := os.Chdir(dir); err != nil {
		return nil, fmt.Errorf("unable to chdir to %s: %w", dir, err)
	}
	s := &Scanner{
		c: c, dir: dir,
		services: map[devino]*service{},
		events:   make(chan event, 64),
		ctl:      make(chan []byte),
		sigs:     make(chan os.Signal, 16),
		warned:   map[string]string{},
	}
	if err := s.setupCtlDir(); err != nil {
		s.close()
		return nil, err
	}
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &s.nofile)
	return s, nil
}

func (s *Scanner) setupCtlDir() error {
	d := filepath.Join(s.dir, ".s6-svscan")
	if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("unable to mkdir %s: %w", d, err)
	}
	if st, err := os.Stat(d); err != nil {
		return fmt.Errorf("unable to stat %s: %w", d, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%w: %s exists and is not a directory", ErrUsage, d)
	}
	f, err := lock.Acquire(filepath.Join(d, "lock"), 0o600)
	if err != nil {
		if errors.Is(err, lock.ErrLocked) {
			return fmt.Errorf("%w: another instance of svscan is already running on %s", ErrUsage, s.dir)
		}
		return err
	}
	s.lockF = f
	fifo := filepath.Join(d, "control")
	if err := unix.Mkfifo(fifo, 0o600); err != nil && err != unix.EEXIST {
		return fmt.Errorf("unable to mkfifo %s: %w", fifo, err)
	}
	if st, err := os.Stat(fifo); err != nil {
		return fmt.Errorf("unable to stat %s: %w", fifo, err)
	} else if st.Mode()&os.ModeNamedPipe == 0 {
		return fmt.Errorf("%w: %s exists and is not a fifo", ErrUsage, fifo)
	}
	// Our own write end keeps the fifo from reporting EOF between writers.
	if s.ctlR, err = os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err != nil {
		return fmt.Errorf("unable to open %s for reading: %w", fifo, err)
	}
	if s.ctlW, err = os.OpenFile(fifo, os.O_WRONLY, 0); err != nil {
		return fmt.Errorf("unable to open %s for writing: %w", fifo, err)
	}
	return nil
}

func (s *Scanner) close() {
	for _, f := range []*os.File{s.ctlR, s.ctlW, s.lockF} {
		if f != nil {
			f.Close()
		}
	}
}

func (s *Scanner) logf(level, format string, args ...any) {
	if s.c.Logf != nil {
		s.c.Logf(level, format, args...)
	}
}

// warnOnce prints a warning for key unless the same text was the last one
// printed for it (so a retry every second does not flood the log).
func (s *Scanner) warnOnce(key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.warned[key] == msg {
		return
	}
	s.warned[key] = msg
	s.logf("warning", "%s", msg)
}

// Run is the scanner's loop. It returns when told to leave (teardown,
// quit, abort); the caller then execs .s6-svscan/finish if it exists.
func (s *Scanner) Run() error {
	defer s.close()
	signal.Notify(s.sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPWR, syscall.SIGWINCH,
		syscall.SIGALRM, syscall.SIGABRT)
	defer signal.Stop(s.sigs)
	// A broken stdout or stderr (a dead catch-all logger) must not kill
	// the scanner: with SIGPIPE caught, such writes just fail with EPIPE.
	// A caught signal is reset to the default at exec, so children still
	// get the usual SIGPIPE behaviour (an ignored one would be inherited).
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	go s.readControl()

	s.scan()
	if s.c.NotifyFd >= 0 {
		syscall.Write(s.c.NotifyFd, []byte("\n"))
		syscall.Close(s.c.NotifyFd)
	}
	var tick <-chan time.Time
	if s.c.RescanInterval > 0 {
		t := time.NewTicker(s.c.RescanInterval)
		defer t.Stop()
		tick = t.C
	}
	for s.exit == running && !s.abort {
		select {
		case ev := <-s.events:
			s.handleEvent(ev)
		case b := <-s.ctl:
			s.control(b)
		case sig := <-s.sigs:
			s.signal(sig.(syscall.Signal))
		case <-tick:
			s.scan()
		}
	}
	s.leave()
	return nil
}

func (s *Scanner) readControl() {
	buf := make([]byte, 4096) // PIPE_BUF: a flood is read in few chunks
	for {
		n, err := s.ctlR.Read(buf)
		if n > 0 {
			b := make([]byte, n)
			copy(b, buf[:n])
			s.ctl <- b
		}
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (s *Scanner) handleEvent(ev event) {
	switch {
	case ev.rescan:
		s.retry = false
		s.scan()
	case ev.dead != nil:
		sl := ev.dead
		if sl.h != ev.h {
			return
		}
		sl.h = nil
		sv := sl.svc
		if s.exit == running && sv.active {
			s.scheduleRestart(sl)
			return
		}
		s.settle(sv)
	case ev.restart != nil:
		sl := ev.restart
		sl.restartAt = false
		if s.exit == running && sl.svc.active && sl.h == nil {
			s.startSlot(sl)
		} else if sl.h == nil {
			s.settle(sl.svc)
		}
	}
}

// settle closes what a service that is no longer wanted does not need:
// the pipe's write end once its main supervisor is gone (so the logger
// sees EOF), the read end and the service itself once both are gone.
func (s *Scanner) settle(sv *service) {
	if sv.gone {
		return
	}
	if sv.main.h == nil && sv.pw >= 0 {
		syscall.Close(sv.pw)
		sv.pw = -1
	}
	if sv.main.h != nil || (sv.log != nil && sv.log.h != nil) {
		return
	}
	if sv.pr >= 0 {
		syscall.Close(sv.pr)
		sv.pr = -1
	}
	sv.gone = true
	delete(s.services, sv.key)
	s.nslots--
	if sv.log != nil {
		s.nslots--
	}
}

func (s *Scanner) scheduleRestart(sl *slot) {
	if sl.restartAt {
		return
	}
	sl.restartAt = true
	time.AfterFunc(restartDelay, func() { s.events <- event{restart: sl} })
}

func (s *Scanner) scheduleRescan() {
	if s.retry {
		return
	}
	s.retry = true
	time.AfterFunc(scanRetryDelay, func() { s.events <- event{rescan: true} })
}

// scan reads the scan directory, starts new services, revives inactive
// ones that came back and marks vanished ones inactive.
func (s *Scanner) scan() {
	f, err := os.Open(s.dir)
	if err != nil {
		s.logf("warning", "unable to open scan directory %s: %v", s.dir, fsutil.Bare(err))
		s.scheduleRescan()
		return
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		s.logf("warning", "unable to read scan directory %s: %v", s.dir, fsutil.Bare(err))
		s.scheduleRescan()
		return
	}
	sort.Strings(names)
	s.forgetUnknownShortages()
	seen := map[devino]bool{}
	for _, name := range names {
		if name == "" || name[0] == '.' {
			continue
		}
		if len(name) > s.c.NameMax {
			s.warnOnce("name:"+name, "ignoring %s/%s: name longer than %d bytes", s.dir, name, s.c.NameMax)
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(name, &st); err != nil {
			if err == unix.ENOENT {
				// A dangling symlink: nothing to supervise.
				s.warnOnce("stat:"+name, "ignoring %s/%s: %v", s.dir, name, err)
				continue
			}
			s.logf("warning", "unable to stat %s/%s: %v", s.dir, name, err)
			s.scheduleRescan()
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		delete(s.warned, "stat:"+name)
		key := devino{uint64(st.Dev), st.Ino}
		if seen[key] {
			continue
		}
		seen[key] = true
		if sv := s.services[key]; sv != nil {
			sv.name = name
			if !sv.active {
				s.logf("info", "service %s/%s is back, active again", s.dir, name)
				sv.active = true
				for _, sl := range sv.slots() {
					if sl.h == nil {
						s.startSlot(sl)
					}
				}
			}
			continue
		}
		s.newService(name, key)
	}
	for key, sv := range s.services {
		if !seen[key] && sv.active {
			sv.active = false
			s.logf("info", "service %s/%s has disappeared from the scan directory: now inactive (svscanctl -n stops it)", s.dir, sv.name)
			if sv.main.h == nil && (sv.log == nil || sv.log.h == nil) {
				s.settle(sv)
			}
		}
	}
	s.reportShortage()
}

func (sv *service) slots() []*slot {
	if sv.log != nil {
		return []*slot{sv.main, sv.log}
	}
	return []*slot{sv.main}
}

func (s *Scanner) newService(name string, key devino) {
	sv := &service{key: key, name: name, active: true, pr: -1, pw: -1}
	sv.main = &slot{svc: sv, name: name}
	need := 1
	if name == LoggerName {
		sv.special = true
	} else if st, err := os.Stat(filepath.Join(name, "log")); err == nil && st.IsDir() {
		need = 2
	}
	if s.nslots+need > s.c.MaxServices {
		s.warnOnce("max:"+name, "unable to supervise %s/%s: too many services (maximum %d supervisors, loggers included; raise it with -C)", s.dir, name, s.c.MaxServices)
		return
	}
	if _, err := os.Stat(filepath.Join(name, "run")); err != nil {
		s.logf("warning", "service directory %s/%s has no usable run file (%v): its supervisor will retry", s.dir, name, fsutil.Bare(err))
	}
	if s.fdsShort() {
		s.fdShortage(name)
		s.scheduleRescan()
		return
	}
	if need == 2 {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
			if isFdShortage(err) {
				s.fdShortage(name)
			} else {
				s.warnOnce("pipe:"+name, "unable to create the logger pipe of %s/%s: %v", s.dir, name, err)
			}
			s.scheduleRescan()
			return
		}
		sv.pr, sv.pw = p[0], p[1]
		sv.log = &slot{svc: sv, name: name + "/log", logger: true}
		if _, err := os.Stat(filepath.Join(name, "log", "run")); err != nil {
			s.logf("warning", "logger directory %s/%s/log has no usable run file (%v): its supervisor will retry", s.dir, name, fsutil.Bare(err))
		}
	}
	delete(s.warned, "max:"+name)
	s.fdOK(name)
	s.nslots += need
	s.services[key] = sv
	if sv.log != nil {
		s.startSlot(sv.log)
	}
	s.startSlot(sv.main)
}

// limitHint explains EMFILE in terms of RLIMIT_NOFILE.
func (s *Scanner) limitHint(err error) string {
	if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
		return ""
	}
	return fmt.Sprintf(" (RLIMIT_NOFILE is %d soft, %d hard: raise the hard limit, e.g. ulimit -Hn, to supervise more services; the others stay supervised)", s.nofile.Cur, s.nofile.Max)
}

func (s *Scanner) startSlot(sl *slot) {
	sv := sl.svc
	spec := Spec{Name: sl.name, Stdin: 0, Stdout: 1, Stderr: 2}
	switch {
	case sl.logger:
		spec.Stdin = sv.pr
	case sv.log != nil:
		spec.Stdout = sv.pw
	case sv.special && s.c.ConsoleFd >= 0:
		spec.Stderr = s.c.ConsoleFd
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(s.dir, sl.name))
	if err != nil {
		s.warnOnce("start:"+sl.name, "unable to supervise %s/%s: %v", s.dir, sl.name, fsutil.Bare(err))
		s.scheduleRestart(sl)
		return
	}
	spec.Dir = dir
	if s.fdsShort() {
		s.fdShortage(sl.name)
		s.scheduleRestart(sl)
		return
	}
	h, err := s.startHost(spec)
	if err != nil {
		if isFdShortage(err) {
			s.fdShortage(sl.name)
		} else {
			s.warnOnce("start:"+sl.name, "unable to supervise %s/%s: %v", s.dir, sl.name, err)
		}
		s.scheduleRestart(sl)
		return
	}
	s.fdOK(sl.name)
	delete(s.warned, "start:"+sl.name)
	sl.h = h
	go func() {
		<-h.Done()
		if a, ok := h.(interface{ AfterExit() }); ok {
			a.AfterExit()
		}
		s.events <- event{dead: sl, h: h}
	}()
}

// startHost calls the host, turning a panic into an error so one broken
// service cannot take the scanner down.
func (s *Scanner) startHost(spec Spec) (h Handle, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("supervisor panicked while starting: %v", r)
		}
	}()
	return s.c.Host.Start(spec)
}

// control obeys the bytes of one read of .s6-svscan/control. Unknown bytes
// are ignored with one warning per read, not one per byte: whoever may
// write the fifo could otherwise flood the log (100 KB of garbage would be
// 100,000 lines).
func (s *Scanner) control(b []byte) {
	unknown, first := 0, byte(0)
	defer func() {
		switch {
		case unknown == 1:
			s.logf("warning", "received unknown control command: %s", strconv.QuoteRune(rune(first)))
		case unknown > 1:
			s.logf("warning", "received %d unknown control command bytes (the first: %s)", unknown, strconv.QuoteRune(rune(first)))
		}
	}()
	for _, c := range b {
		switch c {
		case 'z':
			s.c.Reaper.ReapNow()
		case 'a':
			s.scan()
		case 'h':
			s.scan()
			s.prune(syscall.SIGHUP)
		case 'n':
			s.prune(syscall.SIGHUP)
		case 'N':
			s.prune(syscall.SIGTERM)
		case 't', 'i':
			s.startExit(teardown)
		case 'q':
			s.startExit(quit)
		case 'b':
			s.abort = true
		default:
			if unknown == 0 {
				first = c
			}
			unknown++
		}
	}
}

// prune stops the supervisors of inactive services: SIGTERM to the main
// one, logSig (HUP: exit once the logger is down; TERM) to the logger's.
func (s *Scanner) prune(logSig syscall.Signal) {
	for _, sv := range s.services {
		if sv.active {
			continue
		}
		s.kill(sv, syscall.SIGTERM, logSig)
	}
}

func (s *Scanner) kill(sv *service, mainSig, logSig syscall.Signal) {
	if sv.main.h != nil {
		sig := mainSig
		if sv.special {
			sig = logSig
		}
		sv.main.h.Signal(sig)
	}
	if sv.log != nil && sv.log.h != nil {
		sv.log.h.Signal(logSig)
	}
}

func (s *Scanner) startExit(mode int) {
	if mode <= s.exit {
		return
	}
	s.exit = mode
	logSig := syscall.SIGHUP
	if mode == quit {
		logSig = syscall.SIGTERM
	}
	for _, sv := range s.services {
		s.kill(sv, syscall.SIGTERM, logSig)
		s.settle(sv)
	}
}

// signal applies the signal table: a .s6-svscan/SIGNAME script if one can
// be spawned, else the default action.
func (s *Scanner) signal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGALRM:
		s.scan()
		return
	case syscall.SIGABRT:
		s.abort = true
		return
	}
	if s.runSignalScript(sig) {
		return
	}
	switch sig {
	case syscall.SIGHUP:
		s.scan()
		s.prune(syscall.SIGHUP)
	case syscall.SIGINT, syscall.SIGTERM:
		s.startExit(teardown)
	case syscall.SIGQUIT:
		s.startExit(quit)
	}
}

func (s *Scanner) runSignalScript(sig syscall.Signal) bool {
	path := filepath.Join(".s6-svscan", "SIG"+signame.Name(int(sig)))
	if _, err := os.Stat(path); err != nil {
		return false
	}
	attr := &syscall.ProcAttr{Dir: s.dir, Env: syscall.Environ(), Files: []uintptr{0, 1, 2}}
	if _, _, err := s.c.Reaper.StartProcess(path, []string{path}, attr); err != nil {
		s.logf("warning", "unable to spawn %s/%s: %v", s.dir, path, err)
		return false
	}
	return true
}

// leave is the exit sequence: the kills were sent by startExit; wait for
// the supervisors (not on abort), restore the console.
func (s *Scanner) leave() {
	for _, sv := range s.services {
		if sv.special {
			if fd, err := syscall.Open("/dev/null", syscall.O_WRONLY, 0); err == nil {
				syscall.Dup3(fd, 1, 0)
				syscall.Close(fd)
			}
			break
		}
	}
	if !s.abort {
		for s.alive() > 0 && !s.abort {
			select {
			case ev := <-s.events:
				s.handleEvent(ev)
			case b := <-s.ctl:
				for _, c := range b {
					if c == 'b' {
						s.abort = true
					}
				}
			case sig := <-s.sigs:
				if sig == syscall.SIGABRT {
					s.abort = true
				}
			}
		}
	}
	for _, sv := range s.services {
		for _, fd := range []int{sv.pr, sv.pw} {
			if fd >= 0 {
				syscall.Close(fd)
			}
		}
		sv.pr, sv.pw = -1, -1
	}
	if s.c.ConsoleFd >= 0 {
		syscall.Dup3(s.c.ConsoleFd, 2, 0)
		syscall.Dup3(s.c.ConsoleFd, 1, 0)
	}
}

func (s *Scanner) alive() int {
	n := 0
	for _, sv := range s.services {
		for _, sl := range sv.slots() {
			if sl.h != nil {
				n++
			}
		}
	}
	return n
}
