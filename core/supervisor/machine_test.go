package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/status"
)

// fake records every effect as one line, so a table row states exactly what
// the machine must do for one event in one state.
type fake struct {
	t         time.Time
	log       []string
	files     map[string]string
	nextPid   int
	runErr    error
	finErr    error
	statusErr error
	st        status.Status
	backoff   *status.Backoff // supervise/backoff as published
}

func newFake() *fake {
	return &fake{t: time.Unix(1_700_000_000, 0), files: map[string]string{}, nextPid: 100}
}

func (f *fake) add(format string, a ...any) { f.log = append(f.log, fmt.Sprintf(format, a...)) }

func (f *fake) now() time.Time               { return f.t }
func (f *fake) setTimer(d time.Duration)     { f.add("timer %v", d) }
func (f *fake) stopTimer()                   { f.add("stoptimer") }
func (f *fake) stopReadiness()               { f.add("stopready") }
func (f *fake) kill(p int, s syscall.Signal) { f.add("kill %d %s", p, unix.SignalName(s)) }
func (f *fake) killpg(p int, s syscall.Signal) {
	f.add("killpg %d %s", p, unix.SignalName(s))
}
func (f *fake) notify(ev string) { f.add("notify %s", ev) }
func (f *fake) writeStatus(s status.Status) error {
	if f.statusErr != nil {
		f.add("status failed")
		return f.statusErr
	}
	f.st = s
	f.add("status pid=%d fl=%02x", s.PID, s.Encode()[34])
	return nil
}
func (f *fake) startRun(r runSpec) (int, error) {
	desc := "run"
	if r.notifyFd >= 0 {
		desc += fmt.Sprintf(" nfd=%d", r.notifyFd)
	}
	if r.lockFd >= 0 {
		desc += fmt.Sprintf(" lfd=%d", r.lockFd)
	}
	if f.runErr != nil {
		f.add("%s failed", desc)
		return 0, f.runErr
	}
	f.add("%s", desc)
	f.nextPid++
	return f.nextPid - 1, nil
}
func (f *fake) startFinish(argv []string) (int, error) {
	if f.finErr != nil {
		f.add("finish failed")
		return 0, f.finErr
	}
	f.add("%s", strings.Join(argv, " "))
	f.nextPid++
	return f.nextPid - 1, nil
}
func (f *fake) readFile(name string) ([]byte, error) {
	v, ok := f.files[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(v), nil
}
func (f *fake) exists(name string) bool { _, ok := f.files[name]; return ok }
func (f *fake) touchDown() error        { f.files["down"] = ""; f.add("touchdown"); return nil }
func (f *fake) removeDown() error {
	f.add("rmdown")
	if _, ok := f.files["down"]; !ok {
		return fs.ErrNotExist
	}
	delete(f.files, "down")
	return nil
}
func (f *fake) resetDeaths() { f.add("resetdeaths") }
func (f *fake) appendDeath(d status.Death, max int) {
	f.add("death %d %d max=%d", d.Code, d.Sig, max)
}
func (f *fake) nullStdio() { f.add("null") }
func (f *fake) publishBackoff(b status.Backoff) {
	f.backoff = &b
	f.add("backoff %v", b.Delay)
}
func (f *fake) clearBackoff() { f.backoff = nil; f.add("nobackoff") }
func (f *fake) logf(level, format string, a ...any) {
	f.add("%s", level) // the text is checked in the process tests
}

func ctl(b byte) event { return event{kind: evControl, b: b} }
func exited(pid, code int) event {
	return event{kind: evRunExit, pid: pid, wstat: syscall.WaitStatus(code << 8)}
}
func killed(pid int, sig syscall.Signal) event {
	return event{kind: evRunExit, pid: pid, wstat: syscall.WaitStatus(sig)}
}
func finExited(pid, code int) event {
	return event{kind: evFinishExit, pid: pid, wstat: syscall.WaitStatus(code << 8)}
}
func sig(s syscall.Signal) event { return event{kind: evSignal, sig: s} }

// reach builds a machine in the named state. Run gets pid 100, finish 101.
//   - "down": started with a down file (wantup=0), never spawned
//   - "up": started without a down file, run up
//   - "finish": up, then run exited 0, finish running (wantup=1)
//   - "lastup"/"lastfinish": same, then `x`
//
// A suffix ":BYTES" sends those control bytes afterwards ("up:d" is up with
// a down request pending).
func reach(t *testing.T, name string, files map[string]string) (*machine, *fake) {
	t.Helper()
	name, prep, _ := strings.Cut(name, ":")
	f := newFake()
	for k, v := range files {
		f.files[k] = v
	}
	m := newMachine(f, "sv")
	if name == "backoff" {
		// up with restart-backoff, run died after 100 ms without a finish:
		// down, its next start held back
		if _, ok := f.files["restart-backoff"]; !ok {
			f.files["restart-backoff"] = "1000 30000"
		}
		m.handle(event{kind: evStart})
		f.t = f.t.Add(100 * time.Millisecond)
		f.finErr = syscall.ENOENT
		m.handle(exited(100, 1))
		f.finErr = nil
		if m.state != StateDown || m.timer != timerBackoff {
			t.Fatalf("reach backoff: in state %v, deadline %v; log %q", m.state, m.timer, f.log)
		}
		for _, b := range []byte(prep) {
			m.handle(ctl(b))
		}
		f.log = nil
		return m, f
	}
	base := strings.TrimPrefix(name, "last")
	if base == "down" {
		f.files["down"] = ""
	}
	m.handle(event{kind: evStart})
	if base == "finish" {
		f.t = f.t.Add(3 * time.Second)
		m.handle(exited(100, 0))
	}
	if strings.HasPrefix(name, "last") {
		m.handle(ctl('x'))
	}
	if base == "down" {
		delete(f.files, "down")
	}
	want := map[string]State{"down": StateDown, "up": StateUp, "finish": StateFinish, "lastup": StateLastUp, "lastfinish": StateLastFinish}[name]
	if m.state != want {
		t.Fatalf("reach %s: in state %v; log %q", name, m.state, f.log)
	}
	for _, b := range []byte(prep) {
		m.handle(ctl(b))
	}
	f.log = nil
	return m, f
}

// currentGen in a readiness event of a row stands for the generation of the
// run the row's machine is in.
const currentGen = ^uint64(0)

// cell is one cell of the table: a state and a line's input.
type cell struct {
	state State
	on    input
}

type row struct {
	state string
	files map[string]string
	ev    event
	want  []string
	after State
}

// runRows checks every row and returns the cells of the table the rows
// reached (events dropped as stale reach none).
func runRows(t *testing.T, rows []row) map[cell]bool {
	t.Helper()
	reached := map[cell]bool{}
	for i, r := range rows {
		m, f := reach(t, r.state, r.files)
		if r.ev.gen == currentGen {
			r.ev.gen = m.gen
		}
		if !m.stale(r.ev) {
			reached[cell{m.state, inputOf(r.ev)}] = true
		}
		m.handle(r.ev)
		if !reflect.DeepEqual(f.log, r.want) && !(len(f.log) == 0 && len(r.want) == 0) {
			t.Errorf("row %d: %s + %+v:\n got %q\nwant %q", i, r.state, r.ev, f.log, r.want)
		}
		if m.state != r.after {
			t.Errorf("row %d: %s + %+v: state %v, want %v", i, r.state, r.ev, m.state, r.after)
		}
	}
	return reached
}

func TestStartUp(t *testing.T) {
	f := newFake()
	m := newMachine(f, "sv")
	m.handle(event{kind: evStart})
	want := []string{"resetdeaths", "status pid=0 fl=0c", "notify s", "run", "status pid=100 fl=04", "notify u"}
	if !reflect.DeepEqual(f.log, want) || m.state != StateUp {
		t.Fatalf("got %q in %v", f.log, m.state)
	}
}

// TestStartWithoutStatus: when the start-up status cannot be written, the
// service is not started (a daemon without a status file is invisible to
// every client) and the machine reports the error to its host.
func TestStartWithoutStatus(t *testing.T) {
	f := newFake()
	f.statusErr = syscall.EMFILE
	m := newMachine(f, "sv")
	m.handle(event{kind: evStart})
	want := []string{"resetdeaths", "status failed"}
	if !reflect.DeepEqual(f.log, want) || m.state != StateExited || !errors.Is(m.startErr, syscall.EMFILE) {
		t.Fatalf("got %q in %v, error %v", f.log, m.state, m.startErr)
	}
}

func TestStartWithDownFile(t *testing.T) {
	f := newFake()
	f.files["down"] = ""
	m := newMachine(f, "sv")
	m.handle(event{kind: evStart})
	want := []string{"resetdeaths", "status pid=0 fl=08", "notify s"}
	if !reflect.DeepEqual(f.log, want) || m.state != StateDown {
		t.Fatalf("got %q in %v", f.log, m.state)
	}
	if f.st.Stamp != f.st.ReadyStamp || f.st.Stamp.Time().Unix() != f.t.Unix() {
		t.Fatalf("start stamps %+v", f.st)
	}
}

// The control letters that only forward a signal to run.
var plain = map[byte]string{'a': "SIGALRM", 'b': "SIGABRT", 'q': "SIGQUIT", 'h': "SIGHUP", 'k': "SIGKILL",
	't': "SIGTERM", 'i': "SIGINT", '1': "SIGUSR1", '2': "SIGUSR2", 'y': "SIGWINCH"}

func controlUpRows() []row {
	var rows []row
	for _, st := range []string{"up", "lastup"} {
		after := StateUp
		if st == "lastup" {
			after = StateLastUp
		}
		for b, name := range plain {
			rows = append(rows, row{st, nil, ctl(b), []string{"kill 100 " + name}, after})
		}
		rows = append(rows,
			row{st, nil, ctl('p'), []string{"kill 100 SIGSTOP", "status pid=100 fl=05"}, after},
			row{st, nil, ctl('c'), []string{"kill 100 SIGCONT", "status pid=100 fl=04"}, after},
			row{st, nil, ctl('P'), []string{"killpg 100 SIGSTOP", "status pid=100 fl=05"}, after},
			row{st, nil, ctl('C'), []string{"killpg 100 SIGCONT", "status pid=100 fl=04"}, after},
			row{st, nil, ctl('K'), []string{"killpg 100 SIGKILL"}, after},
			row{st, nil, ctl('r'), []string{"kill 100 SIGTERM"}, after},
			row{st, map[string]string{"down-signal": "usr1\n"}, ctl('r'), []string{"kill 100 SIGUSR1"}, after},
			row{st, nil, ctl('l'), []string{"kill 100 SIGHUP"}, after},
			row{st, map[string]string{"reload-signal": "SIGUSR2"}, ctl('l'), []string{"kill 100 SIGUSR2"}, after},
			row{st, nil, ctl('d'), []string{"kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00"}, after},
			row{st, map[string]string{"down-signal": "3"}, ctl('d'), []string{"kill 100 SIGQUIT", "kill 100 SIGCONT", "status pid=100 fl=00"}, after},
			row{st, map[string]string{"down-signal": "bogus"}, ctl('d'), []string{"warning", "kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00"}, after},
			row{st, map[string]string{"timeout-kill": "2000\n"}, ctl('d'), []string{"kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00", "timer 2s"}, after},
			row{st, map[string]string{"timeout-kill": "0"}, ctl('d'), []string{"kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00"}, after},
			row{st, nil, ctl('D'), []string{"touchdown", "kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00"}, after},
			row{st, nil, ctl('u'), []string{"status pid=100 fl=04"}, after},
			row{st, nil, ctl('U'), []string{"rmdown", "status pid=100 fl=04"}, after},
			row{st, nil, ctl('o'), []string{"status pid=100 fl=00"}, after},
			row{st, nil, ctl('O'), []string{"status pid=100 fl=00"}, after},
			row{st, nil, ctl('Q'), []string{"touchdown", "status pid=100 fl=00"}, after},
		)
	}
	rows = append(rows,
		row{"up", nil, ctl('x'), []string{"null"}, StateLastUp},
		row{"lastup", nil, ctl('x'), nil, StateLastUp},
	)
	return rows
}

func TestControlBytesUp(t *testing.T) { runRows(t, controlUpRows()) }

func controlDownRows() []row {
	var rows []row
	for b := range plain {
		rows = append(rows, row{"down", nil, ctl(b), nil, StateDown})
	}
	for _, b := range []byte("pcPCKrl") {
		rows = append(rows, row{"down", nil, ctl(b), nil, StateDown})
	}
	rows = append(rows,
		row{"down", nil, ctl('d'), []string{"status pid=0 fl=08"}, StateDown},
		row{"down", nil, ctl('D'), []string{"touchdown", "status pid=0 fl=08"}, StateDown},
		// u from down: one status write, after the spawn (no write before it)
		row{"down", nil, ctl('u'), []string{"run", "status pid=100 fl=04", "notify u"}, StateUp},
		row{"down", nil, ctl('U'), []string{"rmdown", "run", "status pid=100 fl=04", "notify u"}, StateUp},
		row{"down", nil, ctl('o'), []string{"status pid=0 fl=08", "run", "status pid=100 fl=00", "notify u"}, StateUp},
		row{"down", nil, ctl('O'), []string{"status pid=0 fl=08"}, StateDown},
		row{"down", nil, ctl('Q'), []string{"touchdown", "status pid=0 fl=08"}, StateDown},
		row{"down", nil, ctl('x'), []string{"stopready", "notify x"}, StateExited},
		row{"down", map[string]string{"notification-fd": "3\n"}, ctl('u'), []string{"run nfd=3", "status pid=100 fl=04", "notify u"}, StateUp},
		row{"down", map[string]string{"notification-fd": "x3"}, ctl('u'), []string{"warning", "run", "status pid=100 fl=04", "notify u"}, StateUp},
		row{"down", map[string]string{"lock-fd": "5"}, ctl('u'), []string{"run lfd=5", "status pid=100 fl=04", "notify u"}, StateUp},
		// no spawn: the status still records "wanted up"
		row{"down", map[string]string{"lock-fd": "5", "notification-fd": "5"}, ctl('u'), []string{"warning", "timer 1m0s", "status pid=0 fl=0c"}, StateDown},
	)
	return rows
}

func TestControlBytesDown(t *testing.T) { runRows(t, controlDownRows()) }

func controlFinishRows() []row {
	var rows []row
	for _, st := range []string{"finish", "lastfinish"} {
		after := StateFinish
		if st == "lastfinish" {
			after = StateLastFinish
		}
		for b := range plain {
			rows = append(rows, row{st, nil, ctl(b), nil, after})
		}
		for _, b := range []byte("pcPCKrl") {
			rows = append(rows, row{st, nil, ctl(b), nil, after})
		}
		rows = append(rows,
			row{st, nil, ctl('d'), []string{"status pid=101 fl=02"}, after},
			row{st, nil, ctl('D'), []string{"touchdown", "status pid=101 fl=02"}, after},
			row{st, nil, ctl('u'), []string{"status pid=101 fl=06"}, after},
			row{st, nil, ctl('U'), []string{"rmdown", "status pid=101 fl=06"}, after},
			row{st, nil, ctl('o'), []string{"status pid=101 fl=02"}, after},
			row{st, nil, ctl('O'), []string{"status pid=101 fl=02"}, after},
			row{st, nil, ctl('Q'), []string{"touchdown", "status pid=101 fl=02"}, after},
		)
	}
	rows = append(rows,
		row{"finish", nil, ctl('x'), []string{"null"}, StateLastFinish},
		row{"lastfinish", nil, ctl('x'), nil, StateLastFinish},
	)
	return rows
}

func TestControlBytesFinish(t *testing.T) { runRows(t, controlFinishRows()) }

// Every byte outside the table is ignored in every state: no effect at all.
func TestUnknownBytesIgnored(t *testing.T) {
	known := "abqhkti12pcyrdDuUoOQxlPCK"
	for _, st := range []string{"down", "up", "finish", "lastup", "lastfinish"} {
		for b := 0; b < 256; b++ {
			if strings.IndexByte(known, byte(b)) >= 0 {
				continue
			}
			m, f := reach(t, st, nil)
			before := m.state
			m.handle(ctl(byte(b)))
			if len(f.log) != 0 || m.state != before {
				t.Errorf("%s + byte %#x: %q, state %v", st, b, f.log, m.state)
			}
		}
	}
}

func deathAndFinishRows() []row {
	rows := []row{
		{"up", nil, exited(100, 3), []string{"stopready", "death 3 0 max=100", "finish 3 0", "status pid=101 fl=06", "notify d", "timer 5s"}, StateFinish},
		{"up", nil, killed(100, syscall.SIGKILL), []string{"stopready", "death 137 9 max=100", "finish 256 9", "status pid=101 fl=06", "notify d", "timer 5s"}, StateFinish},
		{"lastup", nil, exited(100, 0), []string{"stopready", "death 0 0 max=100", "finish 0 0", "status pid=101 fl=06", "notify d", "timer 5s"}, StateLastFinish},
		{"up", map[string]string{"timeout-finish": "0"}, exited(100, 1), []string{"stopready", "death 1 0 max=100", "finish 1 0", "status pid=101 fl=06", "notify d"}, StateFinish},
		{"up", map[string]string{"timeout-finish": "250\n"}, exited(100, 1), []string{"stopready", "death 1 0 max=100", "finish 1 0", "status pid=101 fl=06", "notify d", "timer 250ms"}, StateFinish},
		{"up", map[string]string{"max-death-tally": "2"}, exited(100, 1), []string{"stopready", "death 1 0 max=2", "finish 1 0", "status pid=101 fl=06", "notify d", "timer 5s"}, StateFinish},
		{"up", map[string]string{"max-death-tally": "99999"}, exited(100, 1), []string{"stopready", "death 1 0 max=4096", "finish 1 0", "status pid=101 fl=06", "notify d", "timer 5s"}, StateFinish},
		{"up", nil, exited(999, 0), nil, StateUp},         // not our child
		{"finish", nil, exited(100, 0), nil, StateFinish}, // run is already dead
		{"down", nil, exited(100, 0), nil, StateDown},
		// finish ended 3 s after run started: restart at once
		{"finish", nil, finExited(101, 0), []string{"stoptimer", "status pid=0 fl=0c", "notify D", "run", "status pid=102 fl=04", "notify u"}, StateUp},
		{"finish", nil, finExited(101, 125), []string{"stoptimer", "status pid=0 fl=08", "notify OD"}, StateDown},
		{"finish", nil, finExited(555, 0), nil, StateFinish},
		{"lastfinish", nil, finExited(101, 0), []string{"stoptimer", "status pid=0 fl=0c", "notify D", "stopready", "notify x"}, StateExited},
		{"finish", nil, event{kind: evTimer}, nil, StateFinish}, // no deadline armed by reach? see below
		{"up", nil, event{kind: evTimer}, nil, StateUp},
		{"down", nil, event{kind: evTimer}, nil, StateDown},
	}
	// reach(finish) armed timeout-finish; its tick kills finish.
	rows[14].want = []string{"kill 101 SIGCONT", "kill 101 SIGKILL", "timer 5s"}
	return rows
}

func TestDeathAndFinish(t *testing.T) { runRows(t, deathAndFinishRows()) }

func TestMissingFinish(t *testing.T) {
	m, f := reach(t, "up", nil)
	f.finErr = syscall.ENOENT
	f.t = f.t.Add(200 * time.Millisecond)
	m.handle(exited(100, 0))
	want := []string{"stopready", "death 0 0 max=100", "finish failed", "status pid=0 fl=04", "notify d",
		"status pid=0 fl=0c", "notify D", "timer 800ms"}
	if !reflect.DeepEqual(f.log, want) || m.state != StateDown {
		t.Fatalf("got %q in %v", f.log, m.state)
	}
	// A finish that exists but cannot run is reported.
	m, f = reach(t, "up", nil)
	f.finErr = syscall.EACCES
	m.handle(exited(100, 0))
	if f.log[2] != "finish failed" || f.log[3] != "warning" {
		t.Fatalf("got %q", f.log)
	}
}

// Pacing: the next start is no sooner than 1 s after the previous start, or
// after readiness if the service became ready.
func TestThrottle(t *testing.T) {
	m, f := reach(t, "up", nil) // started at t0
	f.t = f.t.Add(300 * time.Millisecond)
	m.handle(exited(100, 0))
	f.t = f.t.Add(100 * time.Millisecond)
	f.log = nil
	m.handle(finExited(101, 0))
	want := []string{"stoptimer", "status pid=0 fl=0c", "notify D", "timer 600ms"}
	if !reflect.DeepEqual(f.log, want) {
		t.Fatalf("got %q", f.log)
	}
	f.log = nil
	f.t = f.t.Add(600 * time.Millisecond)
	m.handle(event{kind: evTimer})
	if want := []string{"run", "status pid=102 fl=04", "notify u"}; !reflect.DeepEqual(f.log, want) || m.state != StateUp {
		t.Fatalf("throttle tick: %q", f.log)
	}

	// readiness moves the anchor
	m, f = reach(t, "up", nil)
	f.t = f.t.Add(500 * time.Millisecond)
	m.handle(event{kind: evReady, gen: m.gen})
	f.t = f.t.Add(100 * time.Millisecond)
	m.handle(exited(100, 0))
	m.handle(finExited(101, 0))
	if last := f.log[len(f.log)-1]; last != "timer 900ms" {
		t.Fatalf("after readiness: %q", f.log)
	}

	// `u` while throttled starts at once; `d` cancels the pending start
	m, f = reach(t, "finish", nil)
	f.t = f.t.Add(-2900 * time.Millisecond) // pretend finish ended 100 ms after the start
	m.handle(finExited(101, 0))
	f.log = nil
	m.handle(ctl('u'))
	if want := []string{"stoptimer", "run", "status pid=102 fl=04", "notify u"}; !reflect.DeepEqual(f.log, want) {
		t.Fatalf("u while throttled: %q", f.log)
	}
	m, f = reach(t, "finish", nil)
	f.t = f.t.Add(-2900 * time.Millisecond)
	m.handle(finExited(101, 0))
	f.log = nil
	m.handle(ctl('d'))
	m.handle(event{kind: evTimer})
	if want := []string{"stoptimer", "status pid=0 fl=08"}; !reflect.DeepEqual(f.log, want) || m.state != StateDown {
		t.Fatalf("d while throttled: %q", f.log)
	}
}

func TestReadiness(t *testing.T) {
	m, f := reach(t, "up", nil)
	g := m.gen
	m.handle(event{kind: evReady, gen: g + 7})
	m.handle(event{kind: evReady, gen: g})
	m.handle(event{kind: evReady, gen: g})
	if want := []string{"stopready", "status pid=100 fl=0c", "notify U"}; !reflect.DeepEqual(f.log, want) {
		t.Fatalf("got %q", f.log)
	}
	if f.st.ReadyStamp.Time().Unix() != f.t.Unix() {
		t.Fatal("readystamp not set")
	}
	// readiness of a dead run is ignored; the next death resets ready
	m.handle(exited(100, 0))
	f.log = nil
	m.handle(event{kind: evReady, gen: g})
	if len(f.log) != 0 {
		t.Fatalf("stale readiness: %q", f.log)
	}
	if f.st.Ready {
		t.Fatal("ready survived death")
	}
	m, f = reach(t, "up", nil)
	m.handle(event{kind: evReadyEOF, gen: m.gen})
	if want := []string{"stopready"}; !reflect.DeepEqual(f.log, want) {
		t.Fatalf("eof: %q", f.log)
	}
}

func TestSpawnFailure(t *testing.T) {
	m, f := reach(t, "down", nil)
	f.runErr = &spawnError{err: syscall.ENOENT}
	m.handle(ctl('u'))
	if want := []string{"run failed", "warning", "timer 10s", "status pid=0 fl=0c"}; !reflect.DeepEqual(f.log, want) || m.state != StateDown {
		t.Fatalf("exec failure: %q", f.log)
	}
	f.log = nil
	f.runErr = nil
	m.handle(event{kind: evTimer})
	if want := []string{"run", "status pid=100 fl=04", "notify u"}; !reflect.DeepEqual(f.log, want) {
		t.Fatalf("retry: %q", f.log)
	}
	m, f = reach(t, "down", nil)
	f.runErr = &spawnError{err: syscall.EAGAIN, fork: true}
	m.handle(ctl('u'))
	if want := []string{"run failed", "warning", "timer 1m0s", "status pid=0 fl=0c"}; !reflect.DeepEqual(f.log, want) {
		t.Fatalf("fork failure: %q", f.log)
	}
}

func TestTimeoutKill(t *testing.T) {
	m, f := reach(t, "up", map[string]string{"timeout-kill": "1500"})
	m.handle(ctl('d'))
	f.log = nil
	m.handle(event{kind: evTimer})
	m.handle(event{kind: evTimer})
	want := []string{"kill 100 SIGKILL", "timer 5s", "kill 100 SIGKILL", "timer 5s"}
	if !reflect.DeepEqual(f.log, want) {
		t.Fatalf("got %q", f.log)
	}
	// death disarms it
	f.log = nil
	m.handle(killed(100, syscall.SIGKILL))
	if f.log[0] != "stoptimer" {
		t.Fatalf("death did not disarm: %q", f.log)
	}
}

func hostSignalRows() []row {
	term, hup, quit, intr := sig(syscall.SIGTERM), sig(syscall.SIGHUP), sig(syscall.SIGQUIT), sig(syscall.SIGINT)
	return []row{
		{"down", nil, term, []string{"stopready", "notify x"}, StateExited},
		{"up", nil, term, []string{"kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00"}, StateLastUp},
		{"lastup", nil, term, []string{"kill 100 SIGTERM", "kill 100 SIGCONT", "status pid=100 fl=00"}, StateLastUp},
		{"finish", nil, term, []string{"null"}, StateLastFinish},
		{"lastfinish", nil, term, nil, StateLastFinish},
		{"down", nil, hup, []string{"stopready", "notify x"}, StateExited},
		{"up", nil, hup, []string{"null"}, StateLastUp},
		{"finish", nil, hup, []string{"null"}, StateLastFinish},
		{"down", nil, quit, []string{"stopready", "notify x"}, StateExited},
		{"up", nil, quit, []string{"stopready", "notify x"}, StateExited},
		{"finish", nil, quit, []string{"stoptimer", "stopready", "notify x"}, StateExited},
		{"down", nil, intr, []string{"stopready", "notify x"}, StateExited},
		{"up", nil, intr, []string{"killpg 100 SIGINT", "stopready", "notify x"}, StateExited},
		{"finish", nil, intr, []string{"killpg 101 SIGINT", "stoptimer", "stopready", "notify x"}, StateExited},
		{"up", nil, sig(syscall.SIGUSR1), nil, StateUp},
	}
}

func TestHostSignals(t *testing.T) {
	runRows(t, hostSignalRows())
	// After exiting, nothing happens any more.
	quit := sig(syscall.SIGQUIT)
	m, f := reach(t, "down", nil)
	m.handle(quit)
	f.log = nil
	m.handle(ctl('u'))
	m.handle(event{kind: evStart})
	if len(f.log) != 0 {
		t.Fatalf("exited machine acted: %q", f.log)
	}
}

// TERM while up: the service goes down through finish, then the supervisor
// exits; status says down with wantup cleared.
func TestLastUpCycle(t *testing.T) {
	m, f := reach(t, "up", nil)
	m.handle(sig(syscall.SIGTERM))
	m.handle(killed(100, syscall.SIGTERM))
	m.handle(finExited(101, 0))
	if m.state != StateExited || f.st.WantUp || f.st.PID != 0 || !f.st.Ready || f.st.Wstat != 15 {
		t.Fatalf("state %v status %+v log %q", m.state, f.st, f.log)
	}
	if f.log[len(f.log)-3] != "notify D" || f.log[len(f.log)-1] != "notify x" {
		t.Fatalf("events %q", f.log)
	}
}

func TestTimeoutKillpg(t *testing.T) {
	m, f := reach(t, "up", map[string]string{"timeout-kill": "10", "flag-timeout-killpg": ""})
	m.handle(ctl('d'))
	f.log = nil
	m.handle(event{kind: evTimer})
	if want := []string{"killpg 100 SIGKILL", "timer 5s"}; !reflect.DeepEqual(f.log, want) {
		t.Fatalf("got %q", f.log)
	}
}

// checkInvariants: the status the machine publishes always agrees with its
// state, and the pending deadline is one that makes sense in that state.
func checkInvariants(t *testing.T, m *machine, f *fake, trail []event) {
	t.Helper()
	s := f.st
	bad := ""
	switch m.state {
	case StateUp, StateLastUp:
		if !s.Up() || int(s.PID) != m.runPid || m.runPid == 0 {
			bad = "up state but status not up"
		}
		if m.timer != timerNone && m.timer != timerKill {
			bad = "up state with a non-kill deadline"
		}
	case StateFinish, StateLastFinish:
		if !s.Finishing || int(s.PID) != m.finPid || s.Ready {
			bad = "finish state but status not finishing"
		}
		if m.timer != timerNone && m.timer != timerFinish {
			bad = "finish state with a non-finish deadline"
		}
	case StateDown:
		if s.PID != 0 || s.Finishing || !s.Ready {
			bad = "down state but status not down and ready"
		}
		if m.timer != timerNone && m.timer != timerStart && m.timer != timerBackoff {
			bad = "down state with a non-start deadline"
		}
		if (m.timer == timerStart || m.timer == timerBackoff) && !s.WantUp && f.runErr == nil {
			bad = "start pending while wanted down"
		}
	}
	if (m.timer == timerBackoff) != m.published || m.published != (f.backoff != nil) {
		bad = "supervise/backoff does not match the pending deadline"
	}
	if bad != "" {
		t.Fatalf("%s: state %v status %+v after %+v\nlog %q", bad, m.state, s, trail, f.log)
	}
}

// FuzzMachine feeds arbitrary event sequences: no panic, invariants hold.
func FuzzMachine(f *testing.F) {
	f.Add([]byte("u\x01d\x02x"))
	f.Add([]byte{0, 'd', 1, 2, 3, 'u', 'x', 4})
	f.Add([]byte("\x01\x01\x02\x02\x03Tk\x05\x06"))
	f.Add([]byte("\x02\x01\x02\x03\x01\x02\x03\x01\x02\x03\x01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fx := newFake()
		fx.files["timeout-kill"] = "5"
		fx.files["notification-fd"] = "3"
		if len(in) > 0 && in[0]&1 == 1 {
			fx.files["down"] = ""
		}
		if len(in) > 0 && in[0]&2 == 2 {
			fx.files["restart-backoff"] = "300 5000 2000"
		}
		m := newMachine(fx, "sv")
		m.handle(event{kind: evStart})
		var trail []event
		for _, b := range in {
			var ev event
			switch b % 12 {
			case 0:
				ev = ctl(b)
			case 1:
				ev = exited(m.runPid, int(b>>4))
			case 2:
				ev = finExited(m.finPid, []int{0, 125, 1}[int(b>>4)%3])
			case 3:
				ev = event{kind: evTimer}
			case 4:
				ev = event{kind: evReady, gen: m.gen}
			case 5:
				ev = event{kind: evReadyEOF, gen: m.gen}
			case 6:
				ev = sig([]syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT}[int(b>>4)%4])
			case 7:
				fx.t = fx.t.Add(time.Duration(b) * 10 * time.Millisecond)
				continue
			case 8:
				fx.finErr = map[bool]error{true: syscall.ENOENT, false: nil}[b&16 != 0]
				continue
			default:
				ev = ctl("abqhktipcyrdDuUoOQxlPCK12"[int(b)%25])
			}
			trail = append(trail, ev)
			m.handle(ev)
			if m.state == StateExited {
				return
			}
			checkInvariants(t, m, fx, trail)
		}
	})
}
