// Package logdir manages one s6-log logging directory: the lock, `current`,
// rotation into `@<tai64n>.s` archives, the optional processor with its
// `previous`/`processed`/`state`/`newstate` files, recovery of an unclean
// stop into `.u` archives, pruning, and the final "cleanly closed" mark
// (owner-execute bit on `current`).
//
// A Logdir is driven by one goroutine: Append queues records in memory,
// Flush writes them and performs any rotation that is due. Every step that
// can fail (write, fsync, rename, open, link, processor) is retried after
// the cooldown with the data kept in memory, so a full disk loses nothing.
package logdir

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/lock"
	"s6box/core/rawio"
	"s6box/core/reaper"
	"s6box/core/tai64n"
	"s6box/logger/script"
)

// File names inside a logdir.
const (
	Current   = "current"
	Previous  = "previous"
	Processed = "processed"
	State     = "state"
	NewState  = "newstate"
	LockName  = "lock"
)

// rotation stages: each one is retried on its own after a failure.
type stage uint8

const (
	stIdle      stage = iota
	stRename          // fsync current, rename it to previous
	stOpen            // open a new current
	stFinish          // chmod previous, then archive it or start the processor
	stProc            // processor running
	stAfterProc       // processor succeeded: publish processed and newstate
)

// Starter starts a processor and delivers its wait status once
// (*reaper.Reaper does; a scanner hosting loggers passes its spawner).
type Starter interface {
	StartProcess(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error)
}

// Env is what a logdir needs from its process.
type Env struct {
	Perm   os.FileMode          // 0666 &^ umask
	Reaper Starter              // for processors; nil = processors unsupported
	Warn   func(string, ...any) // warnings (verbosity ≥ 1)
	Wake   func()               // called from another goroutine when a processor exits
	Shell  string               // /bin/sh
	// Execline is the path of execlineb, "" when absent (then ! runs via Shell).
	Execline string
	Now      func() time.Time
	// What a processor runs with when the logger is hosted by a scanner
	// rather than being a process of its own: its environment (nil: this
	// process's), its credentials (nil: this process's), and a command
	// prefix (a chain-loader such as softlimit) put before its argv.
	ProcEnv    []string
	ProcCred   *syscall.Credential
	ProcPrefix []string
	ProcStderr uintptr // the logger's stderr descriptor; 0: 2
}

// Logdir is one open logging directory.
type Logdir struct {
	cfg  script.Logdir
	env  *Env
	dir  string
	lk   *os.File
	cur  int   // fd of current, -1 when closed
	size int64 // bytes in current

	buf   []byte // records not yet written
	off   int    // buf[:off] is written
	marks []int  // positions in buf after which a rotation is due
	tail  int64  // size current will have once everything queued is written

	st       stage
	retryAt  time.Time // zero: no step waiting for the cooldown
	procDone chan reaper.Exit
	procExit *reaper.Exit
	lastRot  time.Time
}

// Open creates (0700) and locks the logdir, recovers from an unclean stop and
// opens current for appending.
func Open(cfg script.Logdir, env *Env) (*Logdir, error) {
	d := &Logdir{cfg: cfg, env: env, dir: cfg.Dir, cur: -1, lastRot: env.Now()}
	if err := os.Mkdir(d.dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("unable to mkdir %s: %w", d.dir, fsutil.Bare(err))
	}
	lk, err := lock.Acquire(d.path(LockName), env.Perm)
	if err != nil {
		if errors.Is(err, lock.ErrLocked) {
			return nil, fmt.Errorf("unable to lock %s: %w", d.path(LockName), syscall.EBUSY)
		}
		return nil, err
	}
	d.lk = lk
	if err := d.recover(); err != nil {
		lk.Close()
		return nil, err
	}
	return d, nil
}

// stderrFd is the processor's stderr: the logger's.
func (e *Env) stderrFd() uintptr {
	if e.ProcStderr > 0 {
		return e.ProcStderr
	}
	return 2
}

func (d *Logdir) path(name string) string { return d.dir + "/" + name }

// Dir is the logdir's path as written in the script.
func (d *Logdir) Dir() string { return d.dir }

func (d *Logdir) recover() error {
	// Lstat: a symlink put in current's or processed's place is not
	// "cleanly closed", whatever it points to; it is archived (as the link
	// it is) and a fresh current is created.
	st, err := os.Lstat(d.path(Current))
	clean := err == nil && st.Mode().IsRegular() && st.Mode()&0o100 != 0
	if !clean {
		for _, n := range []string{State, NewState} {
			if err := os.Remove(d.path(n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("unable to unlink %s: %w", d.path(n), fsutil.Bare(err))
			}
		}
		if pst, err := os.Lstat(d.path(Processed)); err == nil && pst.Mode().IsRegular() && pst.Mode()&0o100 != 0 {
			if err := os.Remove(d.path(Previous)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("unable to unlink %s: %w", d.path(Previous), fsutil.Bare(err))
			}
			if err := d.archive(Processed, 's'); err != nil {
				return err
			}
		} else {
			if err := os.Remove(d.path(Processed)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("unable to unlink %s: %w", d.path(Processed), fsutil.Bare(err))
			}
			if err := d.archive(Previous, 'u'); err != nil {
				return err
			}
		}
		if err := d.archive(Current, 'u'); err != nil {
			return err
		}
		fd, err := rawio.CreateFresh(d.path(State), uint32(d.env.Perm))
		if err != nil {
			return fmt.Errorf("unable to create %s: %w", d.path(State), fsutil.Bare(err))
		}
		unix.Close(fd)
	}
	return d.openCurrent()
}

func (d *Logdir) openCurrent() error {
	p := d.path(Current)
	fd, st, err := rawio.OpenRegular(p, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_NOFOLLOW, uint32(d.env.Perm))
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", p, fsutil.Bare(err))
	}
	if err := unix.Fchmod(fd, uint32(d.env.Perm)); err != nil {
		unix.Close(fd)
		return fmt.Errorf("unable to chmod %s: %w", p, err)
	}
	d.cur, d.size = fd, st.Size
	if d.st == stIdle {
		d.tail = st.Size
	}
	return nil
}

// archive hard-links name to @<now>.<suffix> (unless it already has another
// link, from a step interrupted by a crash), unlinks name, and prunes. A
// missing file is not an error.
func (d *Logdir) archive(name string, suffix byte) error {
	p := d.path(name)
	st, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("unable to stat %s: %w", p, fsutil.Bare(err))
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Nlink == 1 {
		for {
			var b [tai64n.TextSize + 2]byte
			dst := tai64n.FromTime(d.env.Now()).AppendText(b[:0])
			dst = append(dst, '.', suffix)
			err := os.Link(p, d.path(string(dst)))
			if err == nil {
				break
			}
			if !errors.Is(err, os.ErrExist) {
				return fmt.Errorf("unable to link %s to %s: %w", p, d.path(string(dst)), fsutil.Bare(err))
			}
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unable to unlink %s: %w", p, fsutil.Bare(err))
	}
	return d.prune()
}

// IsArchiveName reports a 27-byte "@<24 hex>.s" or ".u" name.
func IsArchiveName(n string) bool {
	if len(n) != tai64n.TextSize+2 || n[0] != '@' || n[tai64n.TextSize] != '.' {
		return false
	}
	if c := n[tai64n.TextSize+1]; c != 's' && c != 'u' {
		return false
	}
	for i := 1; i < tai64n.TextSize; i++ {
		c := n[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// prune deletes the oldest archives while there are more than n or, with
// S set, while they total more than S bytes.
func (d *Logdir) prune() error {
	f, err := os.Open(d.dir)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", d.dir, fsutil.Bare(err))
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("unable to read %s: %w", d.dir, fsutil.Bare(err))
	}
	type arch struct {
		name string
		size int64
	}
	var as []arch
	var total int64
	for _, n := range names {
		if !IsArchiveName(n) {
			continue
		}
		var size int64
		if d.cfg.MaxTotal > 0 {
			if st, err := os.Lstat(d.path(n)); err == nil {
				size = st.Size()
			}
		}
		as = append(as, arch{n, size})
		total += size
	}
	sort.Slice(as, func(i, j int) bool { return as[i].name < as[j].name })
	for len(as) > 0 && (len(as) > d.cfg.Archives || (d.cfg.MaxTotal > 0 && total > d.cfg.MaxTotal)) {
		if err := os.Remove(d.path(as[0].name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("unable to unlink %s: %w", d.path(as[0].name), fsutil.Bare(err))
		}
		total -= as[0].size
		as = as[1:]
	}
	return nil
}

// Append queues one record (ending with a newline) and marks a rotation
// point when current would reach its size limit.
func (d *Logdir) Append(rec []byte) {
	d.buf = append(d.buf, rec...)
	d.tail += int64(len(rec))
	if d.tail+d.cfg.Tolerance >= d.cfg.MaxSize {
		d.marks = append(d.marks, len(d.buf))
		d.tail = 0
	}
}

// Idle gives back the queue's memory once everything queued is written:
// an idle logger (most of them, most of the time) keeps no buffer.
func (d *Logdir) Idle() {
	if d.off == len(d.buf) {
		for i := range d.marks { // rotations due at the end of the queue
			d.marks[i] = 0
		}
		d.buf, d.off = nil, 0
	}
}

// RequestRotation asks for a rotation once everything queued is written
// (SIGALRM), if current would not be empty.
func (d *Logdir) RequestRotation() {
	if n := len(d.marks); n > 0 && d.marks[n-1] == len(d.buf) {
		return
	}
	if d.tail == 0 {
		return
	}
	d.marks = append(d.marks, len(d.buf))
	d.tail = 0
}

// Pending is the number of bytes queued and not yet written.
func (d *Logdir) Pending() int { return len(d.buf) - d.off }

// Busy reports queued data, a rotation in progress or a step waiting to be
// retried.
func (d *Logdir) Busy() bool {
	return d.Pending() > 0 || d.st != stIdle || len(d.marks) > 0
}

// RetryAt is when a failed step will be retried (zero if none is waiting).
func (d *Logdir) RetryAt() time.Time { return d.retryAt }

// TimerDue reports whether the R directive asks for a rotation now, and when
// it will next (zero time if never).
func (d *Logdir) TimerDue(now time.Time) (bool, time.Time) {
	if d.cfg.RotateEvery <= 0 {
		return false, time.Time{}
	}
	next := d.lastRot.Add(d.cfg.RotateEvery)
	if !now.Before(next) {
		d.lastRot = now
		return true, now.Add(d.cfg.RotateEvery)
	}
	return false, next
}

func (d *Logdir) fail(now time.Time, err error) {
	d.env.Warn("%v", err)
	d.retryAt = now.Add(d.cfg.Cooldown)
}

// Flush writes what is queued and performs due rotations, stopping at the
// first failure (retried by a later Flush once the cooldown is over) or when
// a processor is running.
func (d *Logdir) Flush(now time.Time) {
	if !d.retryAt.IsZero() {
		if now.Before(d.retryAt) {
			return
		}
		d.retryAt = time.Time{}
	}
	for {
		if d.st == stProc {
			if d.procExit == nil {
				return
			}
			if !d.procFinished(now) {
				return
			}
		}
		if d.st != stIdle {
			if !d.rotateStep(now) {
				return
			}
			continue
		}
		end := len(d.buf)
		if len(d.marks) > 0 {
			end = d.marks[0]
		}
		for d.off < end {
			n, err := unix.Write(d.cur, d.buf[d.off:end])
			if err == unix.EINTR || err == unix.EAGAIN {
				continue
			}
			if err != nil {
				d.fail(now, fmt.Errorf("unable to write to %s: %w", d.path(Current), err))
				d.compact()
				return
			}
			d.off += n
			d.size += int64(n)
		}
		if len(d.marks) > 0 && d.off == d.marks[0] {
			d.marks = d.marks[1:]
			d.st = stRename
			d.lastRot = now
			continue
		}
		d.compact()
		return
	}
}

func (d *Logdir) compact() {
	if d.off == 0 {
		return
	}
	if d.off == len(d.buf) {
		d.buf = d.buf[:0]
	} else if d.off > cap(d.buf)/2 {
		n := copy(d.buf, d.buf[d.off:])
		d.buf = d.buf[:n]
	} else {
		return
	}
	for i := range d.marks {
		d.marks[i] -= d.off
	}
	d.off = 0
}

// rotateStep performs the current rotation stage; false means it failed or
// is waiting for the processor.
func (d *Logdir) rotateStep(now time.Time) bool {
	switch d.st {
	case stRename:
		if err := unix.Fsync(d.cur); err != nil && err != unix.EINVAL {
			d.fail(now, fmt.Errorf("unable to fsync %s: %w", d.path(Current), err))
			return false
		}
		if err := os.Rename(d.path(Current), d.path(Previous)); err != nil {
			d.fail(now, fmt.Errorf("unable to rename %s to %s: %w", d.path(Current), Previous, fsutil.Bare(err)))
			return false
		}
		unix.Close(d.cur)
		d.cur, d.size = -1, 0
		d.st = stOpen
	case stOpen:
		if err := d.openCurrent(); err != nil {
			d.fail(now, err)
			return false
		}
		d.st = stFinish
	case stFinish:
		if err := d.markDone(Previous); err != nil {
			d.fail(now, err)
			return false
		}
		if d.cfg.Processor == nil || d.env.Reaper == nil {
			if err := d.archive(Previous, 's'); err != nil {
				d.fail(now, err)
				return false
			}
			d.st = stIdle
			return true
		}
		if err := d.startProcessor(); err != nil {
			d.fail(now, err)
			return false
		}
		d.st = stProc
		return false
	case stAfterProc:
		if err := d.publishProcessed(); err != nil {
			d.fail(now, err)
			return false
		}
		d.st = stIdle
	}
	return true
}

// markDone sets the owner-execute bit of the logdir's file name ("this
// file is complete") through a descriptor of the regular file itself, so
// a symlink put in its place is not followed to chmod something else. A
// missing file is not an error.
func (d *Logdir) markDone(name string) error {
	p := d.path(name)
	fd, _, err := rawio.OpenRegular(p, unix.O_RDONLY|unix.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unable to chmod %s: %w", p, fsutil.Bare(err))
	}
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, uint32(d.env.Perm|0o100)); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", p, err)
	}
	return nil
}

func (d *Logdir) startProcessor() error {
	// The processor's four descriptors: inputs are regular files reached
	// without following a symlink, outputs are created afresh (see
	// rawio.CreateFresh), so nothing planted in the logdir redirects them.
	in, _, err := rawio.OpenRegular(d.path(Previous), unix.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", d.path(Previous), fsutil.Bare(err))
	}
	defer unix.Close(in)
	out, err := rawio.CreateFresh(d.path(Processed), uint32(d.env.Perm))
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", d.path(Processed), fsutil.Bare(err))
	}
	defer unix.Close(out)
	stfd, _, err := rawio.OpenRegular(d.path(State), unix.O_RDONLY|unix.O_CREAT|unix.O_NOFOLLOW, uint32(d.env.Perm))
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", d.path(State), fsutil.Bare(err))
	}
	defer unix.Close(stfd)
	nst, err := rawio.CreateFresh(d.path(NewState), uint32(d.env.Perm))
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", d.path(NewState), fsutil.Bare(err))
	}
	defer unix.Close(nst)
	p := d.cfg.Processor
	argv := []string{d.env.Shell, "-c", p.Cmd}
	if p.Execline && d.env.Execline != "" {
		argv = []string{d.env.Execline, "-Pc", p.Cmd}
	}
	if len(d.env.ProcPrefix) > 0 {
		argv = append(append([]string(nil), d.env.ProcPrefix...), argv...)
	}
	closed := ^uintptr(0)
	env := d.env.ProcEnv
	if env == nil {
		env = os.Environ()
	}
	attr := &syscall.ProcAttr{
		Dir:   d.dir,
		Env:   env,
		Files: []uintptr{uintptr(in), uintptr(out), d.env.stderrFd(), closed, uintptr(stfd), uintptr(nst)},
	}
	if d.env.ProcCred != nil {
		attr.Sys = &syscall.SysProcAttr{Credential: d.env.ProcCred}
	}
	_, ch, err := d.env.Reaper.StartProcess(argv[0], argv, attr)
	if err != nil {
		return fmt.Errorf("unable to spawn processor %s for %s: %w", argv[0], d.dir, err)
	}
	d.procDone, d.procExit = nil, nil
	done := make(chan reaper.Exit, 1)
	d.procDone = done
	go func() {
		e := <-ch
		done <- e
		d.env.Wake()
	}()
	return nil
}

// Poll collects a processor exit, to be called by the owning goroutine after
// a wake-up.
func (d *Logdir) Poll() {
	if d.st != stProc || d.procExit != nil || d.procDone == nil {
		return
	}
	select {
	case e := <-d.procDone:
		d.procExit = &e
	default:
	}
}

func (d *Logdir) procFinished(now time.Time) bool {
	e := *d.procExit
	d.procExit, d.procDone = nil, nil
	if e.Status.Exited() && e.Status.ExitStatus() == 0 {
		d.st = stAfterProc
		return true
	}
	d.st = stFinish // run the processor again after the cooldown
	if e.Status.Signaled() {
		d.fail(now, fmt.Errorf("processor for %s crashed with signal %d", d.dir, e.Status.Signal()))
	} else {
		d.fail(now, fmt.Errorf("processor for %s exited %d", d.dir, e.Status.ExitStatus()))
	}
	return false
}

func (d *Logdir) publishProcessed() error {
	for _, n := range []string{Processed, NewState} {
		fd, _, err := rawio.OpenRegular(d.path(n), unix.O_RDWR|unix.O_NOFOLLOW, 0)
		if err != nil {
			return fmt.Errorf("unable to open %s: %w", d.path(n), fsutil.Bare(err))
		}
		err = unix.Fsync(fd)
		if err == nil && n == Processed {
			err = unix.Fchmod(fd, uint32(d.env.Perm|0o100))
		}
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("unable to sync %s: %w", d.path(n), err)
		}
	}
	if err := os.Remove(d.path(Previous)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unable to unlink %s: %w", d.path(Previous), fsutil.Bare(err))
	}
	if err := os.Rename(d.path(NewState), d.path(State)); err != nil {
		return fmt.Errorf("unable to rename %s to %s: %w", d.path(NewState), State, fsutil.Bare(err))
	}
	return d.archive(Processed, 's')
}

// Finalize syncs current and marks it cleanly closed (owner-execute bit). It
// must be called once Busy is false; on failure it may be called again.
func (d *Logdir) Finalize() error {
	if d.cur < 0 {
		return nil
	}
	if err := unix.Fsync(d.cur); err != nil && err != unix.EINVAL {
		return fmt.Errorf("unable to fsync %s: %w", d.path(Current), err)
	}
	if err := unix.Fchmod(d.cur, uint32(d.env.Perm|0o100)); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", d.path(Current), err)
	}
	unix.Close(d.cur)
	d.cur = -1
	d.lk.Close()
	return nil
}

// Close releases the descriptors without marking current clean.
func (d *Logdir) Close() {
	if d.cur >= 0 {
		unix.Close(d.cur)
		d.cur = -1
	}
	d.lk.Close()
}
