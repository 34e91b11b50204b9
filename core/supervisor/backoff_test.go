package supervisor

import (
	"reflect"
	"syscall"
	"testing"
	"time"
)

// restart-backoff (an s6box extension): rows for a service whose next
// start is held back ("backoff", see reach), and for the deaths that lead
// there. Run had pid 100 and no finish, so the next run gets pid 101.
func backoffRows() []row {
	timer := event{kind: evTimer}
	bf := map[string]string{"restart-backoff": "1000 30000"}
	started := []string{"run", "status pid=101 fl=04", "notify u"}
	now := append([]string{"stoptimer", "nobackoff"}, started...)
	gone := []string{"stoptimer", "nobackoff", "stopready", "notify x"}
	rows := []row{
		// the deadline: start, and supervise/backoff goes
		{"backoff", nil, timer, append([]string{"nobackoff"}, started...), StateUp},
		// u, U, r and o start at once
		{"backoff", nil, ctl('u'), now, StateUp},
		{"backoff", nil, ctl('U'), append([]string{"rmdown"}, now...), StateUp},
		{"backoff", nil, ctl('r'), now, StateUp},
		{"backoff", nil, ctl('o'), []string{"status pid=0 fl=08", "stoptimer", "nobackoff", "run", "status pid=101 fl=00", "notify u"}, StateUp},
		// d, D, O, Q cancel the start
		{"backoff", nil, ctl('d'), []string{"stoptimer", "nobackoff", "status pid=0 fl=08"}, StateDown},
		{"backoff", nil, ctl('O'), []string{"stoptimer", "nobackoff", "status pid=0 fl=08"}, StateDown},
		{"backoff", nil, ctl('D'), []string{"touchdown", "stoptimer", "nobackoff", "status pid=0 fl=08"}, StateDown},
		{"backoff", nil, ctl('Q'), []string{"touchdown", "stoptimer", "nobackoff", "status pid=0 fl=08"}, StateDown},
		// leaving removes supervise/backoff
		{"backoff", nil, ctl('x'), gone, StateExited},
		{"backoff", nil, sig(syscall.SIGTERM), gone, StateExited},
		{"backoff", nil, sig(syscall.SIGHUP), gone, StateExited},
		{"backoff", nil, sig(syscall.SIGQUIT), gone, StateExited},
		{"backoff", nil, sig(syscall.SIGINT), gone, StateExited},
		// what concerns a running run only is still ignored
		{"backoff", nil, ctl('k'), nil, StateDown},
		{"backoff", nil, ctl('p'), nil, StateDown},
		{"backoff", nil, event{kind: evReady, gen: currentGen}, nil, StateDown},
		// `r` while down without a held-back start: nothing, as in s6
		{"down", bf, ctl('r'), nil, StateDown},
		{"down:u", map[string]string{"lock-fd": "5", "notification-fd": "5", "restart-backoff": "1000 30000"}, ctl('r'), nil, StateDown},

		// finish ends 3 s after run started: held back 1 s (not at once)
		{"finish", bf, finExited(101, 0), []string{"stoptimer", "status pid=0 fl=0c", "notify D", "timer 1s", "backoff 1s"}, StateDown},
		// exit code 125 of finish: no restart, no backoff
		{"finish", bf, finExited(101, 125), []string{"stoptimer", "status pid=0 fl=08", "notify OD"}, StateDown},
		// leaving after finish: no backoff
		{"lastfinish", bf, finExited(101, 0), []string{"stoptimer", "status pid=0 fl=0c", "notify D", "stopready", "notify x"}, StateExited},
		// an invalid file: a warning, then s6's pacing
		{"finish", map[string]string{"restart-backoff": "soon"}, finExited(101, 0), []string{"stoptimer", "status pid=0 fl=0c", "notify D", "warning", "run", "status pid=102 fl=04", "notify u"}, StateUp},
		{"finish", map[string]string{"restart-backoff": "2000 1000"}, finExited(101, 0), []string{"stoptimer", "status pid=0 fl=0c", "notify D", "warning", "run", "status pid=102 fl=04", "notify u"}, StateUp},
	}
	return rows
}

func TestBackoffRows(t *testing.T) { runRows(t, backoffRows()) }

// crash runs one short life of run (alive for `life`, no finish) and
// returns the delay the machine then put on the next start, or 0 when it
// started run again at once or armed no backoff.
func crash(t *testing.T, m *machine, f *fake, life time.Duration) time.Duration {
	t.Helper()
	if m.state != StateUp {
		t.Fatalf("not up: %v, log %q", m.state, f.log)
	}
	f.t = f.t.Add(life)
	f.finErr = syscall.ENOENT
	m.handle(exited(m.runPid, 1))
	f.finErr = nil
	if m.timer != timerBackoff {
		return 0
	}
	if f.backoff == nil {
		t.Fatal("backoff deadline but no supervise/backoff")
	}
	d := f.backoff.Delay
	if got := f.backoff.Next.Time(); !got.Equal(f.t.Add(d)) {
		t.Fatalf("next start published as %v, want %v", got, f.t.Add(d))
	}
	return d
}

// wait lets the pending deadline pass: run starts again.
func wait(t *testing.T, m *machine, f *fake, d time.Duration) {
	t.Helper()
	f.t = f.t.Add(d)
	m.handle(event{kind: evTimer})
	if m.state != StateUp || f.backoff != nil {
		t.Fatalf("after the backoff: state %v, backoff %+v, log %q", m.state, f.backoff, f.log)
	}
}

func upWith(t *testing.T, backoff string) (*machine, *fake) {
	t.Helper()
	f := newFake()
	f.files["restart-backoff"] = backoff
	m := newMachine(f, "sv")
	m.handle(event{kind: evStart})
	return m, f
}

// crashLoop has run die n times, 100 ms after each start, and returns the
// delays put on the next starts.
func crashLoop(t *testing.T, backoff string, n int) []time.Duration {
	t.Helper()
	m, f := upWith(t, backoff)
	var got []time.Duration
	for i := 0; i < n; i++ {
		d := crash(t, m, f, 100*time.Millisecond)
		got = append(got, d)
		wait(t, m, f, d)
	}
	return got
}

// Ten deaths in a row, each after 100 ms of life: the next start waits 1,
// 2, 4, 8, 16 s, then the maximum, 30 s.
func TestBackoffPacingOfTenDeaths(t *testing.T) {
	got := crashLoop(t, "1000 30000 60000\n", 10)
	s := time.Second
	want := []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s, 30 * s, 30 * s, 30 * s}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
}

// s6's one-second throttle still holds under a smaller backoff.
func TestBackoffNeverBelowThrottle(t *testing.T) {
	got := crashLoop(t, "100 1000", 6)
	ms := time.Millisecond
	want := []time.Duration{900 * ms, 900 * ms, 900 * ms, 900 * ms, 1000 * ms, 1000 * ms}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
}

// A run that stays up for `reset` ends the streak: the next death waits
// the initial delay again. Just short of it, the streak goes on.
func TestBackoffResetAfterStayingUp(t *testing.T) {
	m, f := upWith(t, "1000 30000 10000")
	for i := 0; i < 4; i++ {
		wait(t, m, f, crash(t, m, f, 100*time.Millisecond))
	}
	if d := crash(t, m, f, 9999*time.Millisecond); d != 16*time.Second {
		t.Fatalf("after 9.999 s up: %v, want 16s", d)
	}
	wait(t, m, f, 16*time.Second)
	if d := crash(t, m, f, 10*time.Second); d != time.Second {
		t.Fatalf("after 10 s up: %v, want the initial 1s", d)
	}
	wait(t, m, f, time.Second)
	if d := crash(t, m, f, 100*time.Millisecond); d != 2*time.Second {
		t.Fatalf("the streak did not start again: %v", d)
	}

	// reset defaults to max
	m, f = upWith(t, "1000 5000")
	wait(t, m, f, crash(t, m, f, 100*time.Millisecond))
	if d := crash(t, m, f, 4900*time.Millisecond); d != 2*time.Second {
		t.Fatalf("4.9 s up, reset 5 s: %v", d)
	}
	wait(t, m, f, 2*time.Second)
	if d := crash(t, m, f, 5*time.Second); d != time.Second {
		t.Fatalf("5 s up, reset 5 s: %v", d)
	}
}

// svc -u and svc -r start a held-back service at once; the streak goes on.
func TestBackoffOverride(t *testing.T) {
	for _, b := range []byte("ur") {
		m, f := upWith(t, "4000 60000")
		wait(t, m, f, crash(t, m, f, 100*time.Millisecond))
		if d := crash(t, m, f, 100*time.Millisecond); d != 8*time.Second {
			t.Fatalf("second delay %v", d)
		}
		f.log = nil
		f.t = f.t.Add(time.Second)
		m.handle(ctl(b))
		if want := []string{"stoptimer", "nobackoff", "run", "status pid=102 fl=04", "notify u"}; !reflect.DeepEqual(f.log, want) {
			t.Fatalf("%c while backing off: %q", b, f.log)
		}
		// the stale tick of the cancelled deadline does nothing
		f.log = nil
		m.handle(event{kind: evTimer})
		if len(f.log) != 0 {
			t.Fatalf("stale deadline acted: %q", f.log)
		}
		if d := crash(t, m, f, 100*time.Millisecond); d != 16*time.Second {
			t.Fatalf("after %c: %v, want 16s", b, d)
		}
	}
}

// Deaths the supervisor does not follow with a restart do not count, and
// removing the file ends the streak.
func TestBackoffStreak(t *testing.T) {
	m, f := upWith(t, "1000 30000")
	wait(t, m, f, crash(t, m, f, 100*time.Millisecond))
	m.handle(ctl('d'))
	m.handle(exited(m.runPid, 0))
	m.handle(finExited(m.finPid, 0))
	if m.state != StateDown || m.timer != timerNone || f.backoff != nil {
		t.Fatalf("down: state %v timer %v backoff %+v", m.state, m.timer, f.backoff)
	}
	m.handle(ctl('u'))
	if d := crash(t, m, f, 100*time.Millisecond); d != 2*time.Second {
		t.Fatalf("after a wanted death: %v, want 2s", d)
	}
	wait(t, m, f, 2*time.Second)
	delete(f.files, "restart-backoff")
	if d := crash(t, m, f, 100*time.Millisecond); d != 0 || m.state != StateDown || m.timer != timerStart {
		t.Fatalf("without the file: delay %v, state %v, timer %v", d, m.state, m.timer)
	}
	f.files["restart-backoff"] = "1000 30000"
	wait(t, m, f, time.Second)
	if d := crash(t, m, f, 100*time.Millisecond); d != time.Second {
		t.Fatalf("file back: %v, want the initial 1s", d)
	}
}
