// Package supervisor is the host-agnostic s6 supervisor: one service
// directory, the state × event table of s6-supervise 2.11, and the
// supervise/ directory contract (control fifo, status, lock, event fifodir).
// It runs in either supervision host (ARCHITECTURE.md, "Supervision hosts"):
// the supervise applet, one service per process, or svscan's in-process
// supervisors.
//
// The table lives in machine.go, its actions in actions.go; they do all of
// their I/O through the effects interface, so every cell is tested without
// processes. supervisor.go is the real host: it owns the machine in one
// goroutine fed by one channel, spawns children through a Spawner, and runs
// timers and the control fifo.
package supervisor

import (
	"strconv"
	"syscall"
	"time"

	"s6box/core/status"
	"s6box/core/tai64n"
)

// State is the supervisor's state: whether ./run or ./finish is running,
// and whether the supervisor leaves once the service is down.
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
	timerNone    timerKind = iota
	timerStart             // DOWN: restart throttle or spawn retry
	timerBackoff           // DOWN: restart held back by restart-backoff
	timerKill              // UP/LASTUP: timeout-kill after a down request
	timerFinish            // FINISH/LASTFINISH: timeout-finish
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

// maxStreak bounds the deaths in a row counted for restart-backoff (an
// s6box extension; the delay stops doubling at its max long before).
const maxStreak = 64

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
	writeStatus(s status.Status) error // logs its own failure too
	notify(events string)
	readFile(name string) ([]byte, error) // a file of the service directory
	exists(name string) bool
	touchDown() error
	removeDown() error
	resetDeaths()
	appendDeath(d status.Death, max int)
	publishBackoff(b status.Backoff) // supervise/backoff (logs its own failure)
	clearBackoff()                   // remove supervise/backoff
	nullStdio()
	logf(level, format string, a ...any)
}

// machine runs the state × event table (below) on its state. It is not safe
// for concurrent use: its host feeds it from one goroutine.
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
	startErr  error // the start-up status could not be written

	// restart-backoff (an s6box extension, see holdBack)
	runStart  time.Time     // when the current or last run started
	uptime    time.Duration // how long the last run lived
	streak    int           // deaths in a row, for the backoff delay
	published bool          // supervise/backoff exists
}

func newMachine(fx effects, dir string) *machine {
	return &machine{fx: fx, dir: dir, state: StateDown}
}

func (m *machine) stamp() tai64n.Stamp { return tai64n.FromTime(m.fx.now()) }

// write records the status; a failure is logged by the host and otherwise
// ignored, except at start-up (begin).
func (m *machine) write() { m.fx.writeStatus(m.st) }

func (m *machine) arm(k timerKind, d time.Duration) {
	m.timer = k
	m.fx.setTimer(d)
}

// disarm cancels the pending deadline; a start held back by
// restart-backoff is no longer pending, so supervise/backoff goes too.
func (m *machine) disarm() {
	if m.timer != timerNone {
		m.timer = timerNone
		m.fx.stopTimer()
	}
	if m.published {
		m.published = false
		m.fx.clearBackoff()
	}
}

// An action is what the machine does for one event in one state.
type action func(m *machine, ev event)

// input names one line of the table: an event kind, one control byte or one
// host signal.
type input int

const (
	onStart input = iota
	onRunExit
	onFinishExit
	onTimeout
	onReady
	onReadyEOF
	onControl input = 0x100 // + the control byte
	onSignal  input = 0x200 // + the signal number
)

// line is one line of the table: the action for its input in each state.
type line struct {
	on                                   input
	down, up, finish, lastUp, lastFinish action
}

// table is s6-supervise's actions[state][event], one line per event and one
// column per state. One cell is s6box's: `r` while down (skipBackoff) starts
// a service whose restart restart-backoff holds back, and otherwise does
// nothing, as in s6. A control byte or host signal without a line is ignored
// in every state, as is every event once the machine has exited.
var table = [...]line{
	// input, then its action in: down, up, finish, lastup, lastfinish
	// (go test -run TestTable -v prints the table in columns)
	{onStart, begin, ignore, ignore, ignore, ignore},
	{onRunExit, ignore, runDied, ignore, runDied, ignore},
	{onFinishExit, ignore, ignore, finishDied, ignore, finishDied},
	{onTimeout, retryStart, killRun, killFinish, killRun, killFinish},
	{onReady, ignore, becomeReady, ignore, becomeReady, ignore},
	{onReadyEOF, ignore, closeReadiness, ignore, closeReadiness, ignore},
	{onControl + 'a', ignore, forward, ignore, forward, ignore},
	{onControl + 'b', ignore, forward, ignore, forward, ignore},
	{onControl + 'q', ignore, forward, ignore, forward, ignore},
	{onControl + 'h', ignore, forward, ignore, forward, ignore},
	{onControl + 'k', ignore, forward, ignore, forward, ignore},
	{onControl + 't', ignore, forward, ignore, forward, ignore},
	{onControl + 'i', ignore, forward, ignore, forward, ignore},
	{onControl + '1', ignore, forward, ignore, forward, ignore},
	{onControl + '2', ignore, forward, ignore, forward, ignore},
	{onControl + 'y', ignore, forward, ignore, forward, ignore},
	{onControl + 'p', ignore, pause, ignore, pause, ignore},
	{onControl + 'c', ignore, resume, ignore, resume, ignore},
	{onControl + 'P', ignore, pauseGroup, ignore, pauseGroup, ignore},
	{onControl + 'C', ignore, resumeGroup, ignore, resumeGroup, ignore},
	{onControl + 'K', ignore, killGroup, ignore, killGroup, ignore},
	{onControl + 'r', skipBackoff, sendDownSignal, ignore, sendDownSignal, ignore},
	{onControl + 'l', ignore, sendReloadSignal, ignore, sendReloadSignal, ignore},
	{onControl + 'd', stayDown, stop, wantDown, stop, wantDown},
	{onControl + 'D', markStayDown, markStop, markWantDown, markStop, markWantDown},
	{onControl + 'u', startNow, wantUp, wantUp, wantUp, wantUp},
	{onControl + 'U', unmarkStartNow, unmarkWantUp, unmarkWantUp, unmarkWantUp, unmarkWantUp},
	{onControl + 'o', once, wantDown, wantDown, wantDown, wantDown},
	{onControl + 'O', stayDown, wantDown, wantDown, wantDown, wantDown},
	{onControl + 'Q', markStayDown, markWantDown, markWantDown, markWantDown, markWantDown},
	{onControl + 'x', exit, lastUp, lastFinish, quiet, quiet},
	{onSignal + input(syscall.SIGTERM), exit, stopLast, lastFinish, stop, ignore},
	{onSignal + input(syscall.SIGHUP), exit, lastUp, lastFinish, quiet, quiet},
	{onSignal + input(syscall.SIGQUIT), exit, exit, exit, exit, exit},
	{onSignal + input(syscall.SIGINT), exit, interruptRun, interruptFinish, interruptRun, interruptFinish},
}

// in is the line's action in state s.
func (l *line) in(s State) action {
	switch s {
	case StateDown:
		return l.down
	case StateUp:
		return l.up
	case StateFinish:
		return l.finish
	case StateLastUp:
		return l.lastUp
	case StateLastFinish:
		return l.lastFinish
	}
	return ignore
}

// inputOf is the table line an event belongs to.
func inputOf(ev event) input {
	switch ev.kind {
	case evControl:
		return onControl + input(ev.b)
	case evSignal:
		if ev.sig <= 0 || ev.sig >= 0x100 {
			return -1 // no line
		}
		return onSignal + input(ev.sig)
	case evStart:
		return onStart
	case evRunExit:
		return onRunExit
	case evFinishExit:
		return onFinishExit
	case evTimer:
		return onTimeout
	case evReady:
		return onReady
	case evReadyEOF:
		return onReadyEOF
	}
	return -1
}

// handle applies one event: the action of its line in the current state's
// column. Events about something that is gone (a process that is not the
// current child, a readiness pipe of an earlier run, a disarmed deadline)
// are dropped before the table.
func (m *machine) handle(ev event) {
	if m.state == StateExited || m.stale(ev) {
		return
	}
	if ev.kind == evTimer {
		m.timer = timerNone // a deadline fires once
	}
	on := inputOf(ev)
	for i := range table {
		if table[i].on == on {
			table[i].in(m.state)(m, ev)
			return
		}
	}
}

func (m *machine) stale(ev event) bool {
	switch ev.kind {
	case evRunExit:
		return ev.pid != m.runPid
	case evFinishExit:
		return ev.pid != m.finPid
	case evTimer:
		return m.timer == timerNone
	case evReady, evReadyEOF:
		return ev.gen != m.gen
	}
	return false
}
