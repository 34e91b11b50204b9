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
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/lock"
	"s6box/core/reaper"
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
	// Started, when set, is called after a scan that started supervisors
	// (the first scan, svscanctl -a, a periodic rescan finding new ones).
	Started func(n int)
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
	batch         []*slot // supervisors the current scan starts
	scanStarted   int     // how many the current scan has started (Config.Started)
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
