// Package logger is s6-log's engine: it reads lines from a descriptor, runs
// each through the logging script (package script) and hands the records to
// stdout, stderr alerts, status files and logdirs (package logdir).
//
// One goroutine does all the work. Input is read in large chunks and split
// in place; a line costs no allocation, one clock read (only when the script
// timestamps anything) and, without selection directives, no pattern matching. Each
// logdir receives one write() per input chunk. Signals and processor exits
// interrupt a blocking read through the poller's read deadline, so no data
// read from the pipe is ever left unprocessed: on a stop request the logger
// finishes the partial line it holds byte by byte and leaves the rest of the
// pipe to its successor.
package logger

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/errtext"
	"s6box/core/execpath"
	"s6box/core/rawio"
	"s6box/core/reaper"
	"s6box/logger/logdir"
	"s6box/logger/script"
)

// Config is one logger run.
type Config struct {
	Prog         string
	Script       *script.Script
	Stdin        int // descriptor to read lines from
	Stdout       io.Writer
	Stderr       io.Writer
	Backpressure bool          // -b
	IgnoreTerm   bool          // -p
	LineMax      int           // -l, 0 = unlimited
	StopWait     time.Duration // -t, 0 = forever
	NotifyFd     int           // -d, -1 = none
	Verbosity    int           // 0 -q, 1 default, 2 -v
	Copy         bool          // -c: copy every line to stdout …
	CopyPrefix   string        // … after this prefix
	Perm         os.FileMode   // 0666 &^ umask

	// Hosted: the logger runs inside another process (a scanner hosting
	// its loggers): it installs no signal handlers (signals come through
	// Logger.Signal), starts processors with Starter, and closes Stdin and
	// NotifyFd (its own duplicates) when it ends.
	Hosted     bool
	Starter    logdir.Starter
	ProcEnv    []string            // processors' environment (nil: this process's)
	ProcCred   *syscall.Credential // processors' credentials (nil: this process's)
	ProcPrefix []string            // put before a processor's argv (a chain-loader)
	ProcStderr int                 // processors' stderr descriptor (0: 2)
}

// ExitError carries the exit code for a failure.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// KilledError is a hosted logger's end by a signal it does not catch (KILL,
// INT, QUIT, USR1, USR2 …): what would have killed an s6-log process.
type KilledError struct{ Sig syscall.Signal }

func (e *KilledError) Error() string { return "killed by " + unix.SignalName(e.Sig) }

const readSize = 256 << 10

// bufPool holds read buffers: a logger takes one when input arrives and
// gives it back when the pipe is empty, so idle loggers hold none.
var bufPool = sync.Pool{New: func() any { b := make([]byte, readSize); return &b }}

// smallSize is the read buffer for the few bytes an idle logger gets now
// and then (the size FIONREAD reports): one of readSize each, taken by many
// loggers at once, would leave megabytes of freed heap resident.
const smallSize = 4096

var smallPool = sync.Pool{New: func() any { b := make([]byte, smallSize); return &b }}

// getBuf takes a read buffer for have bytes of partial line plus avail
// bytes waiting (-1: unknown).
func getBuf(have, avail int) []byte {
	switch {
	case avail >= 0 && have+avail < smallSize:
		return *smallPool.Get().(*[]byte)
	case have < readSize:
		return *bufPool.Get().(*[]byte)
	}
	return make([]byte, 2*have)
}

// putBuf gives a read buffer back to its pool (grown ones are dropped).
func putBuf(b []byte) {
	switch len(b) {
	case readSize:
		bufPool.Put(&b)
	case smallSize:
		smallPool.Put(&b)
	}
}

// available is how many bytes fd has waiting, -1 when it cannot say.
func available(fd int) int {
	n, err := unix.IoctlGetInt(fd, unix.TIOCINQ) // FIONREAD
	if err != nil {
		return -1
	}
	return n
}

// pending is what signals asked for and the loop has not yet handled.
type pending struct {
	mu     sync.Mutex
	stop   bool
	rotate bool
	paused bool
	abort  syscall.Signal
}

type logger struct {
	cfg     Config
	sc      *script.Script
	in      *os.File
	dirs    []*logdir.Logdir
	out     []byte // stdout buffer
	outDead bool
	rec     []byte // scratch record
	stamp   []byte // "t" text of the current line
	iso     []byte // "T" text of the current line
	isoc    isoCache
	p       pending
	wake    chan struct{}
	canPoll bool
}

// Logger is one logger that has not ended; Signal may be called from any
// goroutine.
type Logger struct{ l *logger }

// New prepares a logger; Run runs it.
func New(cfg Config) *Logger {
	return &Logger{l: &logger{cfg: cfg, sc: cfg.Script, wake: make(chan struct{}, 1)}}
}

// Signal delivers sig with the meaning s6-log gives it: ALRM rotates, TERM
// (unless -p) and HUP stop after the partial line, STOP and CONT pause and
// resume; CHLD, WINCH, URG are ignored; any other signal ends the logger at
// once, as it ends an s6-log process.
func (x *Logger) Signal(sig syscall.Signal) { x.l.signal(sig) }

func (l *logger) signal(sig syscall.Signal) {
	l.p.mu.Lock()
	switch sig {
	case 0, syscall.SIGCHLD, syscall.SIGWINCH, syscall.SIGURG:
		l.p.mu.Unlock()
		return
	case syscall.SIGALRM:
		l.p.rotate = true
	case syscall.SIGTERM:
		if l.cfg.IgnoreTerm {
			l.p.mu.Unlock()
			return
		}
		l.p.stop = true
	case syscall.SIGHUP:
		l.p.stop = true
	case syscall.SIGSTOP, syscall.SIGTSTP:
		l.p.paused = true
	case syscall.SIGCONT:
		l.p.paused = false
	default:
		if l.p.abort == 0 {
			l.p.abort = sig
		}
		l.p.paused = false
	}
	l.p.mu.Unlock()
	l.wakeUp()
}

func (l *logger) aborted() syscall.Signal {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	return l.p.abort
}

func (l *logger) paused() bool {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	return l.p.paused && l.p.abort == 0
}

func (l *logger) warn(format string, a ...any) {
	if l.cfg.Verbosity >= 1 {
		fmt.Fprintf(l.cfg.Stderr, "%s: warning: %s\n", l.cfg.Prog, fmt.Sprintf(format, errtext.Args(a)...))
	}
}

func (l *logger) info(format string, a ...any) {
	if l.cfg.Verbosity >= 2 {
		fmt.Fprintf(l.cfg.Stderr, "%s: info: %s\n", l.cfg.Prog, fmt.Sprintf(format, errtext.Args(a)...))
	}
}

// interrupt makes a blocking read return at once.
func (l *logger) interrupt() {
	if l.canPoll {
		l.in.SetReadDeadline(time.Unix(1, 0))
	}
}

func (l *logger) wakeUp() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
	l.interrupt()
}

// Run runs the logger until its input ends or it is told to stop.
func Run(cfg Config) error { return New(cfg).Run() }

// Run runs the logger until its input ends or it is told to stop. A hosted
// logger ended by a signal returns a *KilledError.
func (x *Logger) Run() error {
	l := x.l
	cfg := l.cfg
	if cfg.Hosted {
		defer func() {
			if cfg.NotifyFd >= 0 {
				unix.Close(cfg.NotifyFd)
			}
		}()
	}
	for _, w := range l.sc.Warnings {
		l.warn("%s", w)
	}
	env := &logdir.Env{Perm: cfg.Perm, Warn: l.warn, Wake: l.wakeUp, Shell: "/bin/sh", Now: time.Now,
		ProcEnv: cfg.ProcEnv, ProcCred: cfg.ProcCred, ProcPrefix: cfg.ProcPrefix, ProcStderr: uintptr(cfg.ProcStderr)}
	for _, ld := range l.sc.Logdirs {
		if ld.Processor != nil && env.Reaper == nil {
			if cfg.Starter != nil {
				env.Reaper = cfg.Starter
			} else {
				r := reaper.Start(nil)
				defer r.Stop()
				env.Reaper = r
			}
			path := execpath.Env()
			if cfg.ProcEnv != nil {
				path = execpath.FromEnviron(cfg.ProcEnv)
			}
			if p, err := execpath.Look("execlineb", path); err == nil {
				env.Execline = p
			}
		}
	}
	for _, ld := range l.sc.Logdirs {
		d, err := logdir.Open(ld, env)
		if err != nil {
			for _, o := range l.dirs {
				o.Close()
			}
			if cfg.Hosted {
				unix.Close(cfg.Stdin)
			}
			return &ExitError{111, err}
		}
		l.dirs = append(l.dirs, d)
	}
	if !cfg.Hosted {
		sigRaw := make(chan os.Signal, 8)
		sigList := []os.Signal{syscall.SIGHUP, syscall.SIGALRM}
		if cfg.IgnoreTerm {
			signal.Ignore(syscall.SIGTERM)
		} else {
			sigList = append(sigList, syscall.SIGTERM)
		}
		signal.Notify(sigRaw, sigList...)
		defer signal.Stop(sigRaw)
		// A closed stdout must give EPIPE (and disable "1"), not kill us; a
		// caught signal, unlike an ignored one, is reset for processors.
		pipe := make(chan os.Signal, 1)
		signal.Notify(pipe, syscall.SIGPIPE)
		defer signal.Stop(pipe)
		stopFwd := make(chan struct{})
		defer close(stopFwd)
		go func() {
			for {
				select {
				case s := <-sigRaw:
					l.signal(s.(syscall.Signal))
				case <-stopFwd:
					return
				}
			}
		}()
	}
	// Non-blocking stdin goes through the poller, so reads can be
	// interrupted. A process reads a duplicate: the runtime may already
	// have registered descriptor 0 (os.Stdin) with the poller, when it was
	// non-blocking at start-up (a pipe an earlier logger left so), and the
	// same descriptor cannot be registered twice. A hosted logger's Stdin
	// is its own duplicate already.
	in := cfg.Stdin
	if !cfg.Hosted {
		d, err := unix.FcntlInt(uintptr(cfg.Stdin), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return &ExitError{111, fmt.Errorf("unable to duplicate stdin: %w", err)}
		}
		in = d
	}
	if err := unix.SetNonblock(in, true); err != nil {
		l.warn("unable to set stdin non-blocking: %v", err)
	}
	l.in = os.NewFile(uintptr(in), "stdin")
	l.canPoll = l.in.SetReadDeadline(time.Time{}) == nil
	if !l.canPoll {
		// Not pollable (a regular file): plain blocking reads.
		unix.SetNonblock(in, false)
	}
	defer func() {
		if cfg.Hosted {
			// The pipe is the scanner's: a process logger that comes
			// next gets it as it was.
			unix.SetNonblock(in, false)
		}
		l.in.Close()
	}()
	if cfg.NotifyFd >= 0 {
		unix.Write(cfg.NotifyFd, []byte{'\n'})
		unix.Close(cfg.NotifyFd)
		cfg.NotifyFd = -1
	}
	err := l.loop()
	if err == nil {
		err = l.shutdown()
	}
	if err != nil {
		for _, d := range l.dirs {
			d.Close()
		}
	}
	return err
}

// nextDeadline is the earliest retry or rotation timer of any logdir.
func (l *logger) nextDeadline(now time.Time) time.Time {
	var next time.Time
	for _, d := range l.dirs {
		if due, t := d.TimerDue(now); due {
			d.RequestRotation()
			next = now
		} else if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
		if t := d.RetryAt(); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// events handles pending signals and wake-ups, first waiting for one (or
// for until) when block is set; it returns true when a stop was requested.
func (l *logger) events(block bool, until time.Time) (stop bool) {
	var timer <-chan time.Time
	if block {
		if until.IsZero() {
			until = time.Now().Add(time.Hour)
		}
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		timer = t.C
	}
	for {
		// Drain the wake-up first: a signal that comes after the flags
		// are read leaves a new one.
		select {
		case <-l.wake:
		default:
		}
		l.p.mu.Lock()
		rotate, abort := l.p.rotate, l.p.abort
		if l.p.stop {
			stop = true
		}
		l.p.rotate, l.p.stop = false, false
		l.p.mu.Unlock()
		if rotate {
			for _, d := range l.dirs {
				d.RequestRotation()
			}
		}
		if !block || abort != 0 {
			for _, d := range l.dirs {
				d.Poll()
			}
			return stop
		}
		select {
		case <-l.wake:
		case <-timer:
		}
		block = false
	}
}

func (l *logger) flush(now time.Time) {
	for _, d := range l.dirs {
		d.Flush(now)
	}
	l.flushStdout()
}

func (l *logger) flushStdout() {
	if len(l.out) == 0 {
		return
	}
	if !l.outDead {
		if _, err := l.cfg.Stdout.Write(l.out); err != nil {
			l.warn("unable to write to stdout: %v", err)
			l.outDead = true
		}
	}
	l.out = l.out[:0]
}

func (l *logger) pending() bool {
	for _, d := range l.dirs {
		if d.Pending() > 0 {
			return true
		}
	}
	return false
}

// stopAbort is the error of a logger ended by a signal, nil otherwise.
func (l *logger) stopAbort() error {
	if sig := l.aborted(); sig != 0 {
		return &KilledError{Sig: sig}
	}
	return nil
}

// idle gives back the memory an idle logger does not need: the read
// buffer (the partial line moves to part), the queues of the logdirs and
// grown scratch buffers.
func (l *logger) idle(buf *[]byte, part *[]byte, have int) {
	if *buf == nil {
		return
	}
	*part = append((*part)[:0], (*buf)[:have]...)
	putBuf(*buf)
	*buf = nil
	for _, d := range l.dirs {
		d.Idle()
	}
	if len(l.out) == 0 && cap(l.out) > 4096 {
		l.out = nil
	}
	if cap(l.rec) > 4096 {
		l.rec = nil
	}
}

func (l *logger) loop() error {
	var buf []byte  // nil while idle: taken from bufPool when input comes
	var part []byte // the partial line while buf is nil
	defer func() { putBuf(buf) }()
	have := 0 // buf[:have] (or part) is an unterminated partial line
	stopping, told := false, false
	var stopBy time.Time
	rc, err := l.in.SyscallConn()
	if err != nil {
		return fmt.Errorf("unable to read stdin: %w", err)
	}
	for {
		now := time.Now()
		if l.events(false, time.Time{}) && !stopping {
			stopping = true
			stopBy = now.Add(l.cfg.StopWait)
		}
		l.flush(now)
		if err := l.stopAbort(); err != nil {
			return err
		}
		next := l.nextDeadline(now)
		if l.paused() {
			if l.events(true, next) && !stopping {
				stopping = true
				stopBy = time.Now().Add(l.cfg.StopWait)
			}
			continue
		}
		if l.canPoll {
			dl := next
			if stopping && l.cfg.StopWait > 0 && (dl.IsZero() || stopBy.Before(dl)) {
				dl = stopBy
			}
			l.in.SetReadDeadline(dl)
			// An event that came before the deadline was set must be seen
			// now; one that comes later interrupts the read.
			if len(l.wake) > 0 {
				continue
			}
		}
		if stopping {
			if have == 0 {
				return nil
			}
			if !told {
				told = true
				l.info("stop requested: reading the rest of a partial line")
			}
			if l.cfg.StopWait > 0 && !now.Before(stopBy) {
				l.line(l.partial(buf, part, have))
				return nil
			}
		}
		if l.cfg.Backpressure && l.pending() {
			if l.events(true, next) && !stopping {
				stopping = true
				stopBy = time.Now().Add(l.cfg.StopWait)
			}
			continue
		}
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			if buf == nil || len(buf) == smallSize {
				// A small buffer serves while little comes; more moves
				// to a large one.
				avail := available(int(fd))
				if buf == nil || avail < 0 || have+avail > smallSize {
					nb := getBuf(have, avail)
					if buf == nil {
						copy(nb, part)
						part = part[:0]
					} else {
						copy(nb, buf[:have])
						putBuf(buf)
					}
					buf = nb
				}
			}
			if have == len(buf) { // only with -l 0: a line longer than the buffer
				nb := make([]byte, 2*len(buf))
				copy(nb, buf)
				putBuf(buf)
				buf = nb
			}
			want := buf[have:]
			if stopping {
				want = want[:1]
			}
			for {
				n, rerr = unix.Read(int(fd), want)
				if rerr != unix.EINTR {
					break
				}
			}
			if rerr == unix.EAGAIN {
				l.idle(&buf, &part, have)
				return false
			}
			return true
		})
		if err == nil {
			err = rerr
			if n == 0 && err == nil {
				err = io.EOF
			}
		}
		if n > 0 {
			have = l.lines(buf, have, have+n)
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.EINTR) || errors.Is(err, syscall.EAGAIN) {
				continue
			}
			if err != io.EOF {
				l.warn("unable to read stdin: %v", err)
			}
			if have > 0 { // 2.12+: an unterminated last line is logged
				l.line(l.partial(buf, part, have))
			}
			return nil
		}
	}
}

// partial is the unterminated line being read: in buf, or in part while
// the logger is idle.
func (l *logger) partial(buf, part []byte, have int) []byte {
	if buf == nil {
		return part[:have]
	}
	return buf[:have]
}

// lines processes the complete lines of buf[:end] (buf[:start] was scanned
// already and holds no line end) and moves the partial rest to the front.
func (l *logger) lines(buf []byte, start, end int) int {
	pos := 0
	scan := start
	max := l.cfg.LineMax
	for {
		rest := buf[scan:end]
		i := bytes.IndexByte(rest, '\n')
		if i >= 0 {
			rest = rest[:i]
		}
		if j := bytes.IndexByte(rest, 0); j >= 0 {
			i = j
		}
		if i < 0 {
			if max > 0 && end-pos > max {
				l.line(buf[pos : pos+max])
				pos += max
				scan = pos
				continue
			}
			break
		}
		eol := scan + i
		if max > 0 && eol-pos > max {
			l.line(buf[pos : pos+max])
			pos += max
			scan = pos
			continue
		}
		l.line(buf[pos:eol])
		pos = eol + 1
		scan = pos
	}
	if pos > 0 {
		copy(buf, buf[pos:end])
	}
	return end - pos
}

// line runs one line (without its terminator) through the script.
func (l *logger) line(line []byte) {
	var now time.Time
	if l.sc.Clock {
		now = time.Now()
	}
	l.stamp, l.iso = l.stamp[:0], l.iso[:0]
	if l.cfg.Copy && !l.outDead {
		l.out = append(l.out, l.cfg.CopyPrefix...)
		l.out = append(l.out, line...)
		l.out = append(l.out, '\n')
	}
	selected, acted := true, false
	for i := range l.sc.Elements {
		e := &l.sc.Elements[i]
		for _, s := range e.Selectors {
			switch s.Kind {
			case script.SelDefault:
				selected = !acted
			case script.SelPlus:
				if !selected && s.Re.Match(line) {
					selected = true
				}
			case script.SelMinus:
				if selected && s.Re.Match(line) {
					selected = false
				}
			}
		}
		if !selected {
			continue
		}
		acted = true
		for j := range e.Actions {
			l.act(&e.Actions[j], line, now)
		}
	}
	if len(l.out) >= readSize {
		l.flushStdout()
	}
}

// head appends the t, T and p parts of a record.
func (l *logger) head(dst []byte, a *script.Action, now time.Time) []byte {
	if a.TAI {
		if len(l.stamp) == 0 {
			l.stamp = appendTAI(l.stamp, now)
		}
		dst = append(dst, l.stamp...)
	}
	if a.ISO {
		if len(l.iso) == 0 {
			l.iso = l.isoc.appendISO(l.iso, now)
		}
		dst = append(dst, l.iso...)
	}
	if a.Prefix != "" {
		dst = append(dst, a.Prefix...)
		dst = append(dst, ' ')
	}
	return dst
}

func (l *logger) act(a *script.Action, line []byte, now time.Time) {
	switch a.Kind {
	case script.ActStdout:
		if l.outDead {
			return
		}
		l.out = l.head(l.out, a, now)
		l.out = append(l.out, line...)
		l.out = append(l.out, '\n')
	case script.ActLogdir:
		r := l.head(l.rec[:0], a, now)
		r = append(r, line...)
		r = append(r, '\n')
		l.rec = r
		l.dirs[a.Logdir].Append(r)
	case script.ActAlert:
		r := append(l.rec[:0], l.cfg.Prog...)
		r = append(r, ": alert: "...)
		r = l.head(r, a, now)
		if a.AlertMax > 0 && len(line) > a.AlertMax+3 {
			r = append(r, line[:a.AlertMax]...)
			r = append(r, "..."...)
		} else {
			r = append(r, line...)
		}
		r = append(r, '\n')
		l.rec = r
		l.cfg.Stderr.Write(r)
	case script.ActStatus:
		r := l.head(l.rec[:0], a, now)
		r = append(r, line...)
		r = append(r, '\n')
		if a.Pad > 0 {
			if len(r) > a.Pad {
				r = r[:a.Pad]
			} else {
				for len(r) < a.Pad {
					r = append(r, '\n')
				}
			}
		}
		l.rec = r
		if err := writeAtomic(a.File, r, l.cfg.Perm); err != nil {
			l.warn("%v", err)
		}
	}
}

// writeAtomic replaces name with data through name.new, which is created
// afresh (rawio.CreateFresh): a symlink or fifo left under that name is
// neither written through nor blocked on.
func writeAtomic(name string, data []byte, perm os.FileMode) error {
	tmp := name + ".new"
	fd, err := rawio.CreateFresh(tmp, uint32(perm))
	if err != nil {
		return fmt.Errorf("unable to write %s: %w", tmp, err)
	}
	err = rawio.WriteAll(fd, data)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("unable to write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("unable to rename %s to %s: %w", tmp, name, err)
	}
	return nil
}

// shutdown writes everything still queued (retrying failed steps and waiting
// for processors), then marks every logdir cleanly closed. A signal that
// ends the logger ends this too (KilledError), leaving the logdirs unclean.
func (l *logger) shutdown() error {
	l.flushStdout()
	for {
		now := time.Now()
		l.events(false, time.Time{})
		if err := l.stopAbort(); err != nil {
			return err
		}
		l.flush(now)
		busy := false
		for _, d := range l.dirs {
			if d.Busy() {
				busy = true
			}
		}
		if !busy {
			break
		}
		l.events(true, l.nextDeadline(now))
	}
	for _, d := range l.dirs {
		for {
			err := d.Finalize()
			if err == nil {
				break
			}
			l.warn("%v", err)
			l.events(true, time.Now().Add(2*time.Second))
			if err := l.stopAbort(); err != nil {
				return err
			}
		}
	}
	return nil
}
