package supervisor

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// cellRows reach the cells the other row sets leave out: events that a
// state ignores, and the last states' answers to deadlines, readiness and
// host signals.
func cellRows() []row {
	start := event{kind: evStart}
	timer := event{kind: evTimer}
	ready := event{kind: evReady, gen: currentGen}
	readyEOF := event{kind: evReadyEOF, gen: currentGen}
	sameFd := map[string]string{"lock-fd": "5", "notification-fd": "5"}
	killAfter := map[string]string{"timeout-kill": "1000"}
	return []row{
		{"down", nil, start, []string{"resetdeaths", "status pid=0 fl=0c", "notify s", "run", "status pid=100 fl=04", "notify u"}, StateUp},
		{"up", nil, start, nil, StateUp},
		{"finish", nil, start, nil, StateFinish},
		{"lastup", nil, start, nil, StateLastUp},
		{"lastfinish", nil, start, nil, StateLastFinish},

		{"down", nil, exited(0, 0), nil, StateDown},
		{"finish", nil, exited(0, 0), nil, StateFinish},
		{"lastfinish", nil, exited(0, 0), nil, StateLastFinish},
		{"down", nil, finExited(0, 0), nil, StateDown},
		{"up", nil, finExited(0, 0), nil, StateUp},
		{"lastup", nil, finExited(0, 0), nil, StateLastUp},

		// the start retry: lock-fd = notification-fd still, so 60 s more
		{"down:u", sameFd, timer, []string{"warning", "timer 1m0s"}, StateDown},
		{"up:d", killAfter, timer, []string{"kill 100 SIGKILL", "timer 5s"}, StateUp},
		{"lastup:d", killAfter, timer, []string{"kill 100 SIGKILL", "timer 5s"}, StateLastUp},
		{"lastfinish", nil, timer, []string{"kill 101 SIGCONT", "kill 101 SIGKILL", "timer 5s"}, StateLastFinish},

		{"down", nil, ready, nil, StateDown},
		{"up", nil, ready, []string{"stopready", "status pid=100 fl=0c", "notify U"}, StateUp},
		{"finish", nil, ready, nil, StateFinish},
		{"lastup", nil, ready, []string{"stopready", "status pid=100 fl=0c", "notify U"}, StateLastUp},
		{"lastfinish", nil, ready, nil, StateLastFinish},
		{"down", nil, readyEOF, nil, StateDown},
		{"up", nil, readyEOF, []string{"stopready"}, StateUp},
		{"finish", nil, readyEOF, nil, StateFinish},
		{"lastup", nil, readyEOF, []string{"stopready"}, StateLastUp},
		{"lastfinish", nil, readyEOF, nil, StateLastFinish},

		// stdin and stdout went to /dev/null with the `x` that led here
		{"lastup", nil, sig(syscall.SIGHUP), nil, StateLastUp},
		{"lastfinish", nil, sig(syscall.SIGHUP), nil, StateLastFinish},
		{"lastup", nil, sig(syscall.SIGQUIT), []string{"stopready", "notify x"}, StateExited},
		{"lastfinish", nil, sig(syscall.SIGQUIT), []string{"stoptimer", "stopready", "notify x"}, StateExited},
		{"lastup", nil, sig(syscall.SIGINT), []string{"killpg 100 SIGINT", "stopready", "notify x"}, StateExited},
		{"lastfinish", nil, sig(syscall.SIGINT), []string{"killpg 101 SIGINT", "stoptimer", "stopready", "notify x"}, StateExited},
	}
}

func TestCells(t *testing.T) { runRows(t, cellRows()) }

// Every cell of the table, ignored ones included, is reached by a row.
func TestEveryCell(t *testing.T) {
	reached := map[cell]bool{}
	for _, rows := range [][]row{controlUpRows(), controlDownRows(), controlFinishRows(),
		deathAndFinishRows(), hostSignalRows(), cellRows(), backoffRows()} {
		for c := range runRows(t, rows) {
			reached[c] = true
		}
	}
	for _, l := range table {
		for s := StateDown; s < StateExited; s++ {
			if !reached[cell{s, l.on}] {
				t.Errorf("no row for %s in state %v (%s)", inputName(l.on), s, actionName(l.in(s)))
			}
		}
	}
}

// Once exited, no line of the table acts.
func TestExitedIgnoresEverything(t *testing.T) {
	for _, l := range table {
		m, f := reach(t, "up", nil)
		m.handle(sig(syscall.SIGQUIT))
		f.log = nil
		ev := eventFor(l.on)
		ev.pid, ev.gen = m.runPid, m.gen
		m.handle(ev)
		if len(f.log) != 0 || m.state != StateExited {
			t.Errorf("exited + %s: %q, state %v", inputName(l.on), f.log, m.state)
		}
	}
}

// TestTable checks that no input has two lines and that every line has an
// event that reaches it, and prints the table with -v.
func TestTable(t *testing.T) {
	seen := map[input]bool{}
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s", "event")
	for s := StateDown; s < StateExited; s++ {
		fmt.Fprintf(&b, " %-16s", s)
	}
	for _, l := range table {
		if seen[l.on] {
			t.Errorf("two lines for %s", inputName(l.on))
		}
		seen[l.on] = true
		if got := inputOf(eventFor(l.on)); got != l.on {
			t.Errorf("line %s: its event maps to %s", inputName(l.on), inputName(got))
		}
		fmt.Fprintf(&b, "\n%-14s", inputName(l.on))
		for s := StateDown; s < StateExited; s++ {
			fmt.Fprintf(&b, " %-16s", actionName(l.in(s)))
		}
	}
	t.Logf("the state × event table of the supervisor:\n%s", b.String())
}

func eventFor(on input) event {
	switch {
	case on >= onSignal:
		return sig(syscall.Signal(on - onSignal))
	case on >= onControl:
		return ctl(byte(on - onControl))
	}
	return event{kind: map[input]evKind{onStart: evStart, onRunExit: evRunExit, onFinishExit: evFinishExit,
		onTimeout: evTimer, onReady: evReady, onReadyEOF: evReadyEOF}[on]}
}

func inputName(on input) string {
	switch {
	case on >= onSignal:
		return unix.SignalName(syscall.Signal(on - onSignal))
	case on >= onControl:
		return fmt.Sprintf("control %c", byte(on-onControl))
	}
	return map[input]string{onStart: "start", onRunExit: "run exit", onFinishExit: "finish exit",
		onTimeout: "timeout", onReady: "ready", onReadyEOF: "ready EOF"}[on]
}

func actionName(a action) string {
	name := runtime.FuncForPC(reflect.ValueOf(a).Pointer()).Name()
	if name == "" {
		return "?"
	}
	name = name[strings.LastIndexByte(name, '.')+1:]
	if name == "ignore" {
		return "-"
	}
	return name
}
