// Package supervisor is the host-agnostic s6 supervisor (DESIGN §4): one
// service directory, the state × event table of s6-supervise 2.11, and the
// supervise/ directory contract (control fifo, status, lock, event fifodir).
//
// The table lives in machine.go and does all of its I/O through the effects
// interface, so it is tested exhaustively without processes. supervisor.go is
// the real host: it owns the machine in one goroutine fed by one channel,
// spawns children through a Spawner, and runs timers and the control fifo.
package supervisor

import (
	"errors"
	"io/fs"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/signame"
	"s6box/core/status"
	"s6box/core/svconf"
	"s6box/core/tai64n"
)

// State is the supervisor's state (spec §3.1).
type State uint8

// States of the table.
const (
	StateDown       State = iota // run not running, finish not running
	StateUp                      // run running
	StateFinish                  // finish running
	StateLastUp                  // run running, exit when it is down
	StateLastFinish              // finish running, exit when it ends
	StateExited                  // the supervisor has emitted `x`
)

func (s State) String() string {
	switch s {
	case StateDown:
		return "down"
	case StateUp:
		return "up"
	case StateFinish:
		return "finish"
	case StateLastUp:
		return "lastup"
	case StateLastFinish:
		return "lastfinish"
	case StateExited:
		return "exited"
	}
	return "state" + strconv.Itoa(int(s))
}

// timerKind says what the single pending deadline is for. Each state has at
// most one kind of deadline, as in s6-supervise.
type timerKind uint8

const (
	timerNone   timerKind = iota
	timerStart            // DOWN: restart throttle or spawn retry
	timerKill             // UP/LASTUP: timeout-kill after a down request
	timerFinish           // FINISH/LASTFINISH: timeout-finish
)

// Timings fixed by s6.
const (
	throttle         = time.Second      // minimum time between two starts
	spawnRetry       = 10 * time.Second // exec of ./run failed
	forkRetry        = 60 * time.Second // fork or pipe failed
	killRepeat       = 5 * time.Second  // SIGKILL re-sent while alive
	defaultFinishMax = 5000             // ms
	defaultDeaths    = 100
	maxDeaths        = 4096
)

// evKind is the kind of an event fed to the machine.
type evKind uint8

const (
	evStart      evKind = iota // supervisor start-up
	evRunExit                  // run was reaped
	evFinishExit               // finish was reaped
	evTimer                    // the pending deadline passed
	evControl                  // one byte from the control fifo
	evReady                    // notification pipe delivered a newline
	evReadyEOF                 // notification pipe closed before a newline
	evSignal                   // host signal (TERM HUP QUIT INT)
)

type event struct {
	kind  evKind
	pid   int
	wstat syscall.WaitStatus
	b     byte
	gen   uint64
	sig   syscall.Signal
}

// runSpec is what the machine asks the host to start as ./run.
type runSpec struct {
	notifyFd int    // -1: no notification-fd
	lockFd   int    // -1: no lock-fd
	gen      uint64 // tags readiness events of this run
}

// spawnError classifies a failed start: retry in 10 s when exec failed,
// 60 s when the process could not even be created.
type spawnError struct {
	err  error
	fork bool
}

func (e *spawnError) Error() string { return e.err.Error() }
func (e *spawnError) Unwrap() error { return e.err }

// effects is everything the machine does to the world. The real host
// implements it with processes and files; tests record the calls.
type effects interface {
	now() time.Time
	setTimer(d time.Duration) // replaces the pending deadline
	stopTimer()
	startRun(r runSpec) (pid int, err error)
	startFinish(argv []string) (pid int, err error)
	stopReadiness() // close the notification pipe of the current run
	kill(pid int, sig syscall.Signal)
	killpg(pid int, sig syscall.Signal)
	writeStatus(s status.Status)
	notify(events string)
	readFile(name string) ([]byte, error) // a file of the service directory
	exists(name string) bool
	touchDown() error
	removeDown() error
	resetDeaths()
	appendDeath(d status.Death, max int)
	nullStdio()
	logf(level, format string, a ...any)
}

// machine is the state × event table. It is not safe for concurrent use: its
// host feeds it from one goroutine.
type machine struct {
	fx        effects
	dir       string // service directory, for messages
	state     State
	st        status.Status
	runPid    int       // pid of run while UP/LASTUP
	finPid    int       // pid of finish while FINISH/LASTFINISH
	gen       uint64    // readiness generation of the current run
	anchor    time.Time // last start or readiness: next start ≥ anchor+1s
	timer     timerKind
	stdioNull bool
}

func newMachine(fx effects, dir string) *machine {
	return &machine{fx: fx, dir: dir, state: StateDown}
}

func (m *machine) stamp() tai64n.Stamp { return tai64n.FromTime(m.fx.now()) }

func (m *machine) write() { m.fx.writeStatus(m.st) }

func (m *machine) arm(k timerKind, d time.Duration) {
	m.timer = k
	m.fx.setTimer(d)
}

func (m *machine) disarm() {
	if m.timer != timerNone {
		m.timer = timerNone
		m.fx.stopTimer()
	}
}

// isUp reports UP or LASTUP; isFinish FINISH or LASTFINISH.
func (m *machine) isUp() bool     { return m.state == StateUp || m.state == StateLastUp }
func (m *machine) isFinish() bool { return m.state == StateFinish || m.state == StateLastFinish }

// handle applies one event. Events that make no sense in the current state
// (a stale timer, an unknown pid) are ignored.
func (m *machine) handle(ev event) {
	if m.state == StateExited {
		return
	}
	switch ev.kind {
	case evStart:
		m.onStart()
	case evRunExit:
		if m.isUp() && ev.pid == m.runPid {
			m.onRunExit(ev.wstat)
		}
	case evFinishExit:
		if m.isFinish() && ev.pid == m.finPid {
			m.onFinishExit(ev.wstat)
		}
	case evTimer:
		m.onTimer()
	case evControl:
		m.onControl(ev.b)
	case evReady:
		if m.isUp() && ev.gen == m.gen && !m.st.Ready {
			m.fx.stopReadiness()
			now := m.fx.now()
			m.anchor = now
			m.st.Ready = true
			m.st.ReadyStamp = tai64n.FromTime(now)
			m.write()
			m.fx.notify("U")
		}
	case evReadyEOF:
		if m.isUp() && ev.gen == m.gen {
			m.fx.stopReadiness()
		}
	case evSignal:
		m.onSignal(ev.sig)
	}
}

func (m *machine) onStart() {
	m.fx.resetDeaths()
	now := m.stamp()
	m.st = status.Status{Stamp: now, ReadyStamp: now, WantUp: !m.fx.exists("down"), Ready: true}
	m.write()
	m.fx.notify("s")
	if m.st.WantUp {
		m.startRun()
	}
}

// startRun spawns ./run now (state DOWN). It reports whether run was
// spawned (the status is then written); on failure it only arms the retry.
func (m *machine) startRun() bool {
	m.disarm()
	spec := runSpec{notifyFd: -1, lockFd: -1, gen: m.gen + 1}
	if n, ok := m.readUint("notification-fd"); ok {
		spec.notifyFd = int(n)
	}
	if n, ok := m.readUint("lock-fd"); ok {
		spec.lockFd = int(n)
		if spec.lockFd == spec.notifyFd {
			m.fx.logf("warning", "%s: lock-fd and notification-fd are both %d: not starting the service - waiting 60 seconds", m.dir, n)
			m.arm(timerStart, forkRetry)
			return false
		}
	}
	pid, err := m.fx.startRun(spec)
	if err != nil {
		var se *spawnError
		if errors.As(err, &se) && se.fork {
			m.fx.logf("warning", "unable to spawn %s/run: %v - waiting 60 seconds", m.dir, err)
			m.arm(timerStart, forkRetry)
		} else {
			m.fx.logf("warning", "unable to spawn %s/run: %v - waiting 10 seconds", m.dir, err)
			m.arm(timerStart, spawnRetry)
		}
		return false
	}
	m.gen = spec.gen
	now := m.fx.now()
	m.anchor = now
	m.runPid = pid
	m.state = StateUp
	m.st.PID = uint64(pid)
	m.st.Stamp = tai64n.FromTime(now)
	m.st.Ready, m.st.Paused, m.st.Finishing = false, false, false
	m.write()
	m.fx.notify("u")
	return true
}

func (m *machine) onRunExit(ws syscall.WaitStatus) {
	m.disarm()
	m.fx.stopReadiness()
	m.gen++ // late readiness bytes of the dead run are ignored
	last := m.state == StateLastUp
	now := m.stamp()
	m.runPid = 0
	m.st.Wstat = status.WaitStatusFromSys(ws)
	m.st.Stamp = now
	m.st.Paused, m.st.Ready = false, false
	max := defaultDeaths
	if n, ok := m.readUint("max-death-tally"); ok {
		max = int(min(n, maxDeaths))
	}
	m.fx.appendDeath(status.DeathFromWstat(now, m.st.Wstat), max)

	code, sig := "256", 0
	switch {
	case ws.Exited():
		code = strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		sig = int(ws.Signal())
	}
	pid, err := m.fx.startFinish([]string{"finish", code, strconv.Itoa(sig)})
	if err != nil {
		// No finish (or it cannot run): the service is down at once, but
		// the two events stay two writes as with 2.11's failing child.
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to spawn %s/finish: %v", m.dir, err)
		}
		m.st.PID = 0
		m.st.Finishing = false
		m.write()
		m.fx.notify("d")
		if last {
			m.state = StateLastFinish
		} else {
			m.state = StateFinish
		}
		m.finishDone(false)
		return
	}
	m.finPid = pid
	if last {
		m.state = StateLastFinish
	} else {
		m.state = StateFinish
	}
	m.st.PID = uint64(pid)
	m.st.Finishing = true
	m.write()
	m.fx.notify("d")
	ms := uint64(defaultFinishMax)
	if n, ok := m.readUint("timeout-finish"); ok {
		ms = n
	}
	if ms > 0 {
		m.arm(timerFinish, msDuration(ms))
	}
}

func (m *machine) onFinishExit(ws syscall.WaitStatus) {
	m.disarm()
	m.finPid = 0
	m.finishDone(ws.Exited() && ws.ExitStatus() == 125)
}

// finishDone: the service is down and ready to restart.
func (m *machine) finishDone(permanent bool) {
	now := m.fx.now()
	m.st.PID = 0
	m.st.Finishing = false
	m.st.Ready = true
	m.st.ReadyStamp = tai64n.FromTime(now)
	if permanent {
		m.st.WantUp = false
	}
	m.write()
	if permanent {
		m.fx.notify("OD")
	} else {
		m.fx.notify("D")
	}
	if m.state == StateLastFinish {
		m.exit()
		return
	}
	m.state = StateDown
	if m.st.WantUp {
		if wait := m.anchor.Add(throttle).Sub(now); wait > 0 {
			m.arm(timerStart, wait)
		} else {
			m.startRun()
		}
	}
}

func (m *machine) onTimer() {
	k := m.timer
	m.timer = timerNone
	switch {
	case k == timerStart && m.state == StateDown:
		if m.st.WantUp {
			m.startRun()
		}
	case k == timerKill && m.isUp():
		if m.fx.exists("flag-timeout-killpg") {
			m.fx.killpg(m.runPid, syscall.SIGKILL) // [2.13+]
		} else {
			m.fx.kill(m.runPid, syscall.SIGKILL)
		}
		m.arm(timerKill, killRepeat)
	case k == timerFinish && m.isFinish():
		m.fx.kill(m.finPid, syscall.SIGCONT)
		m.fx.kill(m.finPid, syscall.SIGKILL)
		m.arm(timerFinish, killRepeat)
	}
}

func (m *machine) onControl(b byte) {
	if sig, ok := signame.ByLetter(b); ok && b != 'p' && b != 'c' {
		if m.isUp() {
			m.fx.kill(m.runPid, sig)
		}
		return
	}
	switch b {
	case 'p', 'P', 'c', 'C':
		if !m.isUp() {
			return
		}
		sig, paused := syscall.SIGSTOP, true
		if b == 'c' || b == 'C' {
			sig, paused = syscall.SIGCONT, false
		}
		if b == 'p' || b == 'c' {
			m.fx.kill(m.runPid, sig)
		} else {
			m.fx.killpg(m.runPid, sig)
		}
		m.st.Paused = paused
		m.write()
	case 'K':
		if m.isUp() {
			m.fx.killpg(m.runPid, syscall.SIGKILL)
		}
	case 'r':
		if m.isUp() {
			m.fx.kill(m.runPid, m.signalFile("down-signal", syscall.SIGTERM))
		}
	case 'l':
		if m.isUp() {
			m.fx.kill(m.runPid, m.signalFile("reload-signal", syscall.SIGHUP))
		}
	case 'd':
		m.down()
	case 'D':
		m.mkDown()
		m.down()
	case 'u':
		m.up()
	case 'U':
		m.rmDown()
		m.up()
	case 'o':
		m.st.WantUp = false
		m.write()
		if m.state == StateDown {
			m.startRun()
		}
	case 'O':
		m.wantDown()
		m.write()
	case 'Q':
		m.mkDown()
		m.wantDown()
		m.write()
	case 'x':
		m.last()
	}
}

// down is the `d` command: want down, and stop run if it is up.
func (m *machine) down() {
	m.wantDown()
	if !m.isUp() {
		m.write()
		return
	}
	m.fx.kill(m.runPid, m.signalFile("down-signal", syscall.SIGTERM))
	m.fx.kill(m.runPid, syscall.SIGCONT)
	m.st.Paused = false
	m.write()
	if ms, ok := m.readUint("timeout-kill"); ok && ms > 0 {
		m.arm(timerKill, msDuration(ms))
	}
}

// wantDown clears wantup; a pending restart is cancelled.
func (m *machine) wantDown() {
	m.st.WantUp = false
	if m.state == StateDown {
		m.disarm()
	}
}

// up is the `u` command: want up, and start now if down.
func (m *machine) up() {
	m.st.WantUp = true
	// Starting run rewrites the status anyway: writing it here too would
	// only delay the spawn and the "u" event (a rename costs ~0.2 ms on
	// ext4, which flushes the new file's data before replacing the old).
	if m.state == StateDown && m.startRun() {
		return
	}
	m.write()
}

// last is `x` and SIGHUP: exit now if down, else once the service is down.
func (m *machine) last() {
	switch m.state {
	case StateDown:
		m.exit()
	case StateUp:
		m.state = StateLastUp
		m.toNull()
	case StateFinish:
		m.state = StateLastFinish
		m.toNull()
	case StateLastUp, StateLastFinish:
		m.toNull()
	}
}

func (m *machine) toNull() {
	if !m.stdioNull {
		m.stdioNull = true
		m.fx.nullStdio()
	}
}

func (m *machine) onSignal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGTERM:
		switch m.state {
		case StateDown:
			m.exit()
		case StateUp:
			m.state = StateLastUp
			m.down()
		case StateLastUp:
			m.down()
		case StateFinish:
			m.state = StateLastFinish
			m.toNull()
		}
	case syscall.SIGHUP:
		m.last()
	case syscall.SIGQUIT:
		m.exit()
	case syscall.SIGINT:
		switch {
		case m.isUp():
			m.fx.killpg(m.runPid, syscall.SIGINT)
		case m.isFinish():
			m.fx.killpg(m.finPid, syscall.SIGINT)
		}
		m.exit()
	}
}

func (m *machine) exit() {
	m.disarm()
	m.fx.stopReadiness()
	m.state = StateExited
	m.fx.notify("x")
}

func (m *machine) mkDown() {
	if err := m.fx.touchDown(); err != nil {
		m.fx.logf("warning", "unable to create %s/down: %v", m.dir, err)
	}
}

func (m *machine) rmDown() {
	if err := m.fx.removeDown(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.fx.logf("warning", "unable to remove %s/down: %v", m.dir, err)
	}
}

// readUint reads a small integer file as s6 does: at most 11 bytes, cut at
// the first newline, a leading decimal prefix. Missing → absent; no digits
// or an unreadable file → warning, absent.
func (m *machine) readUint(name string) (uint64, bool) {
	b, err := m.fx.readFile(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to read %s/%s: %v - ignoring it", m.dir, name, err)
		}
		return 0, false
	}
	n, ok := svconf.ParseUint(b)
	if !ok {
		m.fx.logf("warning", "invalid %s/%s: %q does not start with a number - ignoring it", m.dir, name, b)
	}
	return n, ok
}

// signalFile reads down-signal or reload-signal (first line, 15 bytes).
func (m *machine) signalFile(name string, def syscall.Signal) syscall.Signal {
	b, err := m.fx.readFile(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to read %s/%s: %v - using %s", m.dir, name, err, unix.SignalName(def))
		}
		return def
	}
	sig, ok := svconf.ParseSignal(b)
	if !ok {
		m.fx.logf("warning", "invalid %s/%s: %q is not a signal - using %s", m.dir, name, b, unix.SignalName(def))
		return def
	}
	return sig
}

func msDuration(ms uint64) time.Duration {
	if ms > uint64(1<<62)/uint64(time.Millisecond) {
		return 1 << 62
	}
	return time.Duration(ms) * time.Millisecond
}
