// Package linuxinit is s6box's pid 1: early mounts, the catch-all logger
// fifo, the scanner, rc.init, and the whole shutdown sequence (rc.shutdown,
// services down, TERM, a grace period that ends as soon as every process is
// gone, KILL, unmount, sync, reboot(2)), plus container mode.
package linuxinit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/ftrig"
	"s6box/core/reaper"
	"s6box/core/status"
)

// Config is everything pid 1 needs. Each path is its own setting; the
// basedir layout is only a source of defaults (see Defaults).
type Config struct {
	Prog        string
	Self        string // this executable, remembered at start
	Verbosity   int
	Container   bool
	NoLogger    bool // -B: no catch-all logger, output goes to the console
	RunMode     byte // 0: fresh tmpfs on RunDir; 'n': remount; 'N': untouched
	NoMounts    bool // do not mount /proc, /sys, /dev
	Umask       int
	Path        string
	InitDefault string
	RunDir      string
	RunImage    string
	EnvDir      string
	EnvDump     string
	RCInit      string
	RCShutdown  string
	RCFinal     string
	RunlevelScr string
	ScanDir     string
	LoggerName  string // service directory of the catch-all logger in ScanDir
	Control     string
	ResultsDir  string
	Scanner     []string // argv; argv[0] is run from Self when it has no slash
	Grace       time.Duration
	ExitService string // container: the container's exit code is this service's
	ReadyFd     int
	DevDir      string      // -d: where the devtmpfs goes (default /dev)
	HardLimits  []HardLimit // -H: hard resource limits set before anything runs
	SyncOnHalt  bool        // -y: a container syncs before it exits
	Args        []string
	Console     io.Writer
}

// Defaults fills every unset path from basedir (the s6-linux-init layout)
// and rundir.
func (c *Config) Defaults(basedir string) {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&c.RunDir, "/run")
	set(&c.RunImage, basedir+"/run-image")
	set(&c.EnvDir, basedir+"/env")
	set(&c.RCInit, basedir+"/scripts/rc.init")
	set(&c.RCShutdown, basedir+"/scripts/rc.shutdown")
	set(&c.RCFinal, basedir+"/scripts/rc.shutdown.final")
	set(&c.RunlevelScr, basedir+"/scripts/runlevel")
	set(&c.ScanDir, c.RunDir+"/service")
	set(&c.LoggerName, "s6-svscan-log")
	set(&c.Control, c.RunDir+"/init-control")
	set(&c.ResultsDir, c.RunDir+"/s6-linux-init-container-results")
	set(&c.Path, "/usr/bin:/bin")
	set(&c.InitDefault, "default")
	if c.Grace == 0 {
		c.Grace = 3 * time.Second
	}
}

type initState struct {
	cfg       *Config
	r         *reaper.Reaper
	env       []string
	logW      *os.File // write end of the catch-all fifo (nil with -B)
	logR      *os.File // read end held by pid 1 so nothing written is lost
	null      *os.File
	scanner   int
	scannerCh <-chan reaper.Exit
	exitCode  int
	guest     bool // pid 1 of a PID namespace, in a private mount namespace
}

func (s *initState) warn(format string, a ...any) {
	fmt.Fprintf(s.cfg.Console, "%s: warning: %s\n", s.cfg.Prog, fmt.Sprintf(format, a...))
}

func (s *initState) info(format string, a ...any) {
	fmt.Fprintf(s.cfg.Console, "%s: info: %s\n", s.cfg.Prog, fmt.Sprintf(format, a...))
}

// Run is pid 1. It returns only in container mode (the container's exit
// code) or on a fatal error before the scanner could start.
func Run(cfg *Config) (int, error) {
	s := &initState{cfg: cfg}
	if err := ApplyHardLimits(cfg.HardLimits); err != nil {
		s.warn("%v", err)
	}
	if !cfg.Container && inChildPIDNamespace() {
		// Not the machine's init: everything mounted or unmounted from here
		// on must stay in a mount namespace of our own.
		if err := privateMountNamespace(cfg.Self); err != nil {
			return 111, err
		}
		s.guest = true
	}
	if cfg.ReadyFd > 0 {
		s.waitReadyFd()
	}
	_, statErr := os.Stdout.Stat()
	hasConsole := statErr == nil
	if !cfg.Container && hasConsole {
		fmt.Fprintf(os.Stdout, "\n  s6box init\n\n")
	}
	if err := os.Chdir("/"); err != nil {
		return 111, fmt.Errorf("unable to chdir to /: %w", err)
	}
	syscall.Umask(cfg.Umask)
	if !cfg.Container {
		if err := s.earlyMounts(); err != nil {
			return 111, err
		}
	}
	s.fixSelf()
	var err error
	if s.null, err = os.OpenFile("/dev/null", os.O_RDWR, 0); err != nil {
		s.warn("unable to open /dev/null: %v", err)
	}
	if err := s.prepareRun(); err != nil {
		return 111, err
	}
	vars, err := ReadEnvdir(cfg.EnvDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		s.warn("%v", err)
	}
	if cfg.EnvDump != "" {
		if err := DumpEnv(cfg.EnvDump, os.Environ()); err != nil {
			s.warn("%v", err)
		}
	}
	s.env = BuildEnv(cfg.Path, vars, ControlEnv+"="+cfg.Control)
	if err := s.openControl(); err != nil {
		return 111, err
	}
	s.openLogger()

	s.r = reaper.Start(nil)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2,
		syscall.SIGPWR, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGWINCH)
	signal.Ignore(syscall.SIGPIPE)
	if !cfg.Container && !s.guest && os.Getpid() == 1 {
		// Ctrl-Alt-Del sends SIGINT to pid 1 instead of rebooting at once.
		if err := unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF); err != nil {
			s.warn("unable to trap ctrl-alt-del: %v", err)
		}
	}
	if err := s.startScanner(); err != nil {
		return 111, err
	}
	rcinit := make(chan reaper.Exit, 1)
	go s.startRCInit(rcinit)
	msgs := make(chan Message, 8)
	go s.readControl(msgs)
	if cfg.Container && cfg.ExitService != "" {
		go s.watchExitService(msgs)
	}
	return s.loop(sigs, msgs, rcinit), nil
}

func (s *initState) waitReadyFd() {
	f := os.NewFile(uintptr(s.cfg.ReadyFd), "readiness fd")
	var b [1]byte
	n, err := f.Read(b[:])
	if n > 0 {
		s.warn("parent wrote to readiness fd!")
	} else if err != nil && err != io.EOF && !errors.Is(err, syscall.EBADF) && !errors.Is(err, os.ErrClosed) {
		s.warn("unable to read readiness fd: %v", err)
	}
	f.Close()
}

// earlyMounts mounts /proc, /sys and a devtmpfs on /dev, then makes sure
// fds 0, 1 and 2 are open on /dev/console.
func (s *initState) earlyMounts() error {
	if !s.cfg.NoMounts {
		ms := []struct {
			src, dir, typ string
			flags         uintptr
			data          string
		}{
			{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
			{"sysfs", "/sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
			{"dev", s.devDir(), "devtmpfs", unix.MS_NOSUID, "mode=0755"},
		}
		for _, m := range ms {
			if err := earlyMount(m.src, m.dir, m.typ, m.flags, m.data); err != nil {
				s.warn("%v", err)
			}
		}
	}
	for fd := 0; fd < 3; fd++ {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil {
			continue
		}
		mode := unix.O_WRONLY
		if fd == 0 {
			mode = unix.O_RDONLY
		}
		nfd, err := unix.Open("/dev/console", mode|unix.O_NOCTTY, 0)
		if err != nil {
			nfd, err = unix.Open("/dev/null", unix.O_RDWR, 0)
		}
		if err == nil && nfd != fd {
			unix.Dup2(nfd, fd)
			unix.Close(nfd)
		}
	}
	return nil
}

func (s *initState) devDir() string {
	if s.cfg.DevDir != "" {
		return s.cfg.DevDir
	}
	return "/dev"
}

// fixSelf re-resolves the executable once /proc exists, when the path
// remembered at start-up (from argv[0]) is not an existing absolute path.
func (s *initState) fixSelf() {
	if filepath.IsAbs(s.cfg.Self) {
		if _, err := os.Stat(s.cfg.Self); err == nil {
			return
		}
	}
	if p, err := os.Readlink("/proc/self/exe"); err == nil {
		s.cfg.Self = p
	}
}

func (s *initState) prepareRun() error {
	cfg := s.cfg
	if !cfg.Container {
		switch cfg.RunMode {
		case 'N':
		case 'n':
			if err := unix.Mount("tmpfs", cfg.RunDir, "tmpfs", unix.MS_REMOUNT|unix.MS_NODEV|unix.MS_NOSUID, "mode=0755"); err != nil {
				return fmt.Errorf("unable to remount %s: %w", cfg.RunDir, err)
			}
		default:
			if err := unix.Unmount(cfg.RunDir, 0); err != nil && err != unix.EINVAL && err != unix.ENOENT {
				s.warn("unable to umount %s: %v", cfg.RunDir, err)
			}
			if err := earlyMount("tmpfs", cfg.RunDir, "tmpfs", unix.MS_NODEV|unix.MS_NOSUID, "mode=0755"); err != nil {
				return err
			}
		}
	}
	if cfg.Container && cfg.RunMode == 0 {
		// No fresh tmpfs in a container: a scan directory left by an
		// earlier run (stale status, locks, fifos) must not be reused.
		if err := os.RemoveAll(cfg.ScanDir); err != nil {
			s.warn("unable to clean %s: %v", cfg.ScanDir, err)
		}
	}
	if err := os.MkdirAll(cfg.RunDir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", cfg.RunDir, err)
	}
	if _, err := os.Stat(cfg.RunImage); err == nil {
		if err := fsutil.CopyTree(cfg.RunImage, cfg.RunDir, fsutil.CopyOptions{KeepOwner: true}); err != nil {
			return fmt.Errorf("unable to copy %s to %s: %w", cfg.RunImage, cfg.RunDir, err)
		}
	} else {
		s.warn("no run image at %s: %v", cfg.RunImage, err)
	}
	if err := os.MkdirAll(cfg.ScanDir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", cfg.ScanDir, err)
	}
	if cfg.Container {
		if err := os.MkdirAll(cfg.ResultsDir, 0o755); err != nil {
			return fmt.Errorf("unable to create %s: %w", cfg.ResultsDir, err)
		}
	}
	return nil
}

func (s *initState) openControl() error {
	os.Remove(s.cfg.Control)
	if err := syscall.Mkfifo(s.cfg.Control, 0o600); err != nil {
		return fmt.Errorf("unable to create the control fifo %s: %w", s.cfg.Control, err)
	}
	return nil
}

// openLogger opens the catch-all fifo. pid 1 keeps a reading end open for
// ever: nothing written before the logger runs (or while it restarts) is
// lost or answered with EPIPE; it waits in the pipe for the logger.
func (s *initState) openLogger() {
	if s.cfg.NoLogger {
		return
	}
	fifo := filepath.Join(s.cfg.ScanDir, s.cfg.LoggerName, "fifo")
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		s.warn("no catch-all logger (%v): output goes to the console", err)
		s.cfg.NoLogger = true
		return
	}
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		r.Close()
		s.warn("unable to open %s for writing: %v", fifo, err)
		s.cfg.NoLogger = true
		return
	}
	s.logR, s.logW = r, w
}

// outFds are the stdout and stderr of everything pid 1 starts: the
// catch-all fifo, or with -B pid 1's own stdout and stderr.
func (s *initState) outFds() (uintptr, uintptr) {
	if s.logW != nil {
		return s.logW.Fd(), s.logW.Fd()
	}
	return 1, 2
}

// files is a child's fd table: stdin, then outFds.
func (s *initState) files(stdin uintptr) []uintptr {
	o, e := s.outFds()
	return []uintptr{stdin, o, e}
}

func (s *initState) nullFd() uintptr {
	if s.null != nil {
		return s.null.Fd()
	}
	return 0
}

func (s *initState) resolve(argv0 string) string {
	if strings.Contains(argv0, "/") {
		return argv0
	}
	return s.cfg.Self
}

func (s *initState) startScanner() error {
	argv := s.cfg.Scanner
	pid, ch, err := s.r.StartProcess(s.resolve(argv[0]), argv, &syscall.ProcAttr{
		Env:   s.env,
		Files: s.files(s.nullFd()),
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return fmt.Errorf("unable to start the scanner %s: %w", argv[0], err)
	}
	s.scanner, s.scannerCh = pid, ch
	return nil
}

// startRCInit waits for the catch-all logger to be up, then runs rc.init
// with the runlevel and init's arguments.
func (s *initState) startRCInit(done chan<- reaper.Exit) {
	if !s.cfg.NoLogger && !s.waitLogger(time.Now().Add(10*time.Second)) {
		s.warn("the catch-all logger is not up after 10 seconds, running rc.init anyway; what waits in its fifo follows")
		s.copyPendingLog()
	}
	if _, err := os.Stat(s.cfg.RCInit); err != nil {
		s.warn("not running rc.init: %v", err)
		return
	}
	rl := Runlevel(s.cfg.Args, s.cfg.InitDefault, s.cfg.Container)
	argv := append([]string{s.cfg.RCInit, rl}, s.cfg.Args...)
	_, ch, err := s.r.StartProcess(s.cfg.RCInit, argv, &syscall.ProcAttr{
		Env:   s.env,
		Files: s.files(0),
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		s.warn("unable to run %s: %v", s.cfg.RCInit, err)
		return
	}
	done <- <-ch
}

// waitLogger waits until the catch-all logger is up or the deadline
// passes. It follows the logger's event fifodir (made here if the
// supervisor has not made it yet), so the supervisor's events wake it at
// once; the status is read after subscribing, and again at least every
// 100 ms in case the fifodir cannot be used.
func (s *initState) waitLogger(deadline time.Time) bool {
	dir := filepath.Join(s.cfg.ScanDir, s.cfg.LoggerName)
	var l *ftrig.Listener
	if ftrig.MakeFifodir(filepath.Join(dir, "event"), false, false) == nil {
		l, _ = ftrig.Subscribe(filepath.Join(dir, "event"))
	}
	if l != nil {
		defer l.Close()
	}
	b := make([]byte, 64)
	for {
		if st, err := status.Read(dir); err == nil && st.Up() {
			return true
		}
		now := time.Now()
		if !now.Before(deadline) {
			return false
		}
		next := now.Add(100 * time.Millisecond)
		if deadline.Before(next) {
			next = deadline
		}
		if l == nil {
			time.Sleep(time.Until(next))
			continue
		}
		l.SetDeadline(next)
		l.Read(b)
	}
}

// copyPendingLog copies to the console what waits unread in the catch-all
// fifo (at most 64 KiB), so the reason the logger is not up (often a
// "unable to spawn" from the scanner) is seen at once.
func (s *initState) copyPendingLog() {
	if s.logR == nil {
		return
	}
	buf := make([]byte, 64<<10)
	n, _ := unix.Read(int(s.logR.Fd()), buf)
	if n > 0 {
		s.cfg.Console.Write(buf[:n])
		if buf[n-1] != '\n' {
			io.WriteString(s.cfg.Console, "\n")
		}
	}
}

func (s *initState) readControl(out chan<- Message) {
	r, err := os.OpenFile(s.cfg.Control, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		s.warn("unable to open %s: %v", s.cfg.Control, err)
		return
	}
	// A writer of our own keeps the fifo from ever reading EOF.
	keep, err := os.OpenFile(s.cfg.Control, os.O_WRONLY, 0)
	if err != nil {
		s.warn("unable to open %s: %v", s.cfg.Control, err)
		return
	}
	defer keep.Close()
	var buf []byte
	b := make([]byte, 512)
	for {
		n, err := r.Read(b)
		if err != nil {
			s.warn("unable to read %s: %v", s.cfg.Control, err)
			return
		}
		buf = append(buf, b[:n]...)
		for len(buf) > 0 {
			m, used, err := Decode(buf)
			if errors.Is(err, ErrShort) {
				break
			}
			buf = buf[used:]
			if err != nil {
				s.warn("%v", err)
				continue
			}
			out <- m
		}
	}
}

// watchExitService follows the exit-code service: once its supervisor
// exists it is told to run the service only once ('O'), then the first
// death (a 'd' event) makes its exit code (128+signal when killed) the
// container's, and the container halts.
func (s *initState) watchExitService(out chan<- Message) {
	dir := filepath.Join(s.cfg.ScanDir, s.cfg.ExitService)
	var l *ftrig.Listener
	for {
		var err error
		if _, serr := os.Stat(filepath.Join(dir, "event")); serr == nil {
			if l, err = ftrig.Subscribe(filepath.Join(dir, "event")); err == nil {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer l.Close()
	for sendControl(dir, "O") != nil {
		time.Sleep(20 * time.Millisecond)
	}
	b := make([]byte, 64)
	seenUp := false
	for {
		l.SetDeadline(time.Now().Add(time.Second))
		n, _ := l.Read(b)
		died := bytes.IndexByte(b[:n], 'd') >= 0
		st, err := status.Read(dir)
		if err != nil {
			continue
		}
		if st.Up() && !died {
			seenUp = true
			continue
		}
		if !died && !(seenUp && st.PID == 0) {
			continue
		}
		code := st.ExitCode()
		if st.Signaled() {
			code = 128 + st.Signal()
		}
		s.writeResult("exitcode", strconv.Itoa(code))
		out <- Message{Action: ActHalt}
		return
	}
}

func (s *initState) writeResult(name, value string) {
	if err := status.WriteFileAtomic(filepath.Join(s.cfg.ResultsDir, name), []byte(value+"\n")); err != nil {
		s.warn("unable to record %s: %v", name, err)
	}
}

// sendControl writes commands to a service's supervise/control fifo.
func sendControl(dir, cmd string) error {
	f, err := os.OpenFile(filepath.Join(dir, "supervise", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write([]byte(cmd))
	return err
}

// signalAction maps a signal to pid 1 to an action (0: none).
func signalAction(sig syscall.Signal, container bool) byte {
	switch sig {
	case syscall.SIGINT:
		return ActReboot
	case syscall.SIGPWR, syscall.SIGUSR1:
		return ActPoweroff
	case syscall.SIGUSR2:
		return ActHalt
	case syscall.SIGTERM:
		if container {
			return ActHalt
		}
	}
	return 0
}

func (s *initState) loop(sigs <-chan os.Signal, msgs <-chan Message, rcinit <-chan reaper.Exit) int {
	var pending Message
	var timer <-chan time.Time
	for {
		select {
		case e := <-s.scannerCh:
			s.warn("the scanner (pid %d) died (%s), restarting it", e.Pid, describe(e.Status))
			time.Sleep(time.Second)
			if err := s.startScanner(); err != nil {
				s.warn("%v", err)
				s.scannerCh = nil
			}
		case e := <-rcinit:
			if e.Status.ExitStatus() != 0 {
				s.warn("%s %s", s.cfg.RCInit, describe(e.Status))
			}
		case sig := <-sigs:
			if a := signalAction(sig.(syscall.Signal), s.cfg.Container); a != 0 {
				pending, timer = Message{Action: a}, time.After(0)
			}
		case m := <-msgs:
			switch m.Action {
			case ActCancel:
				pending, timer = Message{}, nil
			case ActRunlevel:
				s.runlevel(m.Runlevel)
			default:
				pending, timer = m, time.After(m.Delay)
			}
		case <-timer:
			timer = nil
			m := pending
			if m.GraceMs > 0 && m.GraceMs <= 300000 {
				s.cfg.Grace = time.Duration(m.GraceMs) * time.Millisecond
			}
			s.runWait(s.cfg.RCShutdown, nil, true)
			if m.Action == ActSingle {
				continue
			}
			return s.finish(m.Action)
		}
	}
}

func describe(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return fmt.Sprintf("was killed by signal %d", ws.Signal())
	}
	return fmt.Sprintf("exited %d", ws.ExitStatus())
}

// runWait runs a script with the logger as output and waits for it.
func (s *initState) runWait(path string, args []string, mustExist bool) {
	if _, err := os.Stat(path); err != nil {
		if mustExist {
			s.warn("unable to run %s: %v", path, err)
		}
		return
	}
	_, ch, err := s.r.StartProcess(path, append([]string{path}, args...), &syscall.ProcAttr{
		Env:   s.env,
		Files: s.files(s.nullFd()),
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		s.warn("unable to run %s: %v", path, err)
		return
	}
	e := <-ch
	if e.Status.ExitStatus() != 0 || e.Status.Signaled() {
		s.warn("%s %s", path, describe(e.Status))
	}
}

func (s *initState) runlevel(rl string) {
	switch rl {
	case "0", "6":
		// telinit sends these as poweroff and reboot requests.
		return
	}
	go s.runWait(s.cfg.RunlevelScr, []string{rl}, true)
}
