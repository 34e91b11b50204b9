package svlisten

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"s6box/core/ftrig"
	"s6box/core/status"
	"s6box/core/tai64n"
)

// service makes a fake servicedir with a status file; events are injected
// with ftrig.Notify, exactly as a supervisor writes them.
func service(t *testing.T, st status.Status) string {
	t.Helper()
	dir := t.TempDir()
	sup := filepath.Join(dir, "supervise")
	if err := os.Mkdir(sup, 0o700); err != nil {
		t.Fatal(err)
	}
	st.Stamp = tai64n.Now()
	if err := status.Write(sup, st); err != nil {
		t.Fatal(err)
	}
	return dir
}

func notify(t *testing.T, dir, events string) {
	t.Helper()
	if err := ftrig.Notify(filepath.Join(dir, "event"), []byte(events)); err != nil {
		t.Fatal(err)
	}
}

var (
	down   = status.Status{}
	upNotR = status.Status{PID: 10, WantUp: true}
	upR    = status.Status{PID: 10, WantUp: true, Ready: true}
)

func soon() time.Time { return time.Now().Add(20 * time.Second) }

func TestAlreadyThere(t *testing.T) {
	d := service(t, upNotR)
	w, err := Subscribe([]string{d})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n, err := w.Wait(Want{Up: true}, false, soon()); n != 0 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
	// The listener fifo exists with s6's name shape.
	ents, _ := os.ReadDir(filepath.Join(d, "event"))
	if len(ents) != 1 || len(ents[0].Name()) != 39 {
		t.Fatalf("event dir: %v", ents)
	}
}

func TestEventsBringState(t *testing.T) {
	d := service(t, down)
	w, err := Subscribe([]string{d})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() {
		time.Sleep(50 * time.Millisecond)
		notify(t, d, "u")
		time.Sleep(50 * time.Millisecond)
		notify(t, d, "U")
	}()
	if n, err := w.Wait(Want{Up: true, Ready: true}, false, soon()); n != 0 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
	if up, ready := w.State(0); !up || !ready {
		t.Fatalf("state %v %v", up, ready)
	}
}

func TestPermanentFailure(t *testing.T) {
	d := service(t, down)
	w, err := Subscribe([]string{d})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	notify(t, d, "dOD") // finish exited 125
	n, err := w.Wait(Want{Up: true, Ready: true}, false, soon())
	if err != nil || n != 1 {
		t.Fatalf("failures %d err %v", n, err)
	}
}

func TestOIgnoredWhenWaitingForDown(t *testing.T) {
	d := service(t, upR)
	w, _ := Subscribe([]string{d})
	defer w.Close()
	notify(t, d, "dOD")
	n, err := w.Wait(Want{Ready: true}, false, soon())
	if err != nil || n != 0 {
		t.Fatalf("failures %d err %v", n, err)
	}
}

func TestSupervisorExitCountsAsFailure(t *testing.T) {
	d := service(t, upR)
	w, _ := Subscribe([]string{d})
	defer w.Close()
	notify(t, d, "x")
	n, err := w.Wait(Want{}, false, soon())
	if err != nil || n != 1 {
		t.Fatalf("failures %d err %v", n, err)
	}
}

func TestRestartLeftoverBytesKept(t *testing.T) {
	d := service(t, upR)
	w, _ := Subscribe([]string{d})
	defer w.Close()
	notify(t, d, "dDu") // one chunk: down, down+ready, up again
	if n, err := w.Wait(Want{Ready: true}, false, soon()); n != 0 || err != nil {
		t.Fatalf("phase 1: %d %v", n, err)
	}
	// Phase 2 must see the 'u' that came in the same chunk as 'D'.
	if n, err := w.Wait(Want{Up: true}, false, time.Now().Add(2*time.Second)); n != 0 || err != nil {
		t.Fatalf("phase 2: %d %v", n, err)
	}
}

func TestTimeout(t *testing.T) {
	d := service(t, down)
	w, _ := Subscribe([]string{d})
	defer w.Close()
	if _, err := w.Wait(Want{Up: true}, false, time.Now().Add(100*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v", err)
	}
}

func TestAllAndAny(t *testing.T) {
	a, b := service(t, down), service(t, down)
	w, _ := Subscribe([]string{a, b})
	defer w.Close()
	notify(t, a, "u")
	if n, err := w.Wait(Want{Up: true}, true, soon()); n != 0 || err != nil {
		t.Fatalf("any: %d %v", n, err)
	}
	if _, err := w.Wait(Want{Up: true}, false, time.Now().Add(100*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("all with one down: %v", err)
	}
	notify(t, b, "u")
	if n, err := w.Wait(Want{Up: true}, false, soon()); n != 0 || err != nil {
		t.Fatalf("all: %d %v", n, err)
	}
}

func TestMissingStatusFails(t *testing.T) {
	dir := t.TempDir()
	if _, err := Subscribe([]string{dir}); err == nil {
		t.Fatal("no error without supervise/status")
	}
	// The failed subscription left no fifo behind.
	ents, _ := os.ReadDir(filepath.Join(dir, "event"))
	if len(ents) != 0 {
		t.Fatalf("leftover %v", ents)
	}
}

// TestWaitRestartFollowsEachService: four services restart one after the
// other, each back up before the next goes down, so they are never all down
// at once; the restart wait still completes, with and without readiness,
// for all and for any.
func TestWaitRestartFollowsEachService(t *testing.T) {
	for _, c := range []struct {
		name        string
		first, want Want
		events      string
		or          bool
	}{
		{"down then up", Want{}, Want{Up: true}, "du", false},
		{"finished then ready", Want{Ready: true}, Want{Up: true, Ready: true}, "dDuU", false},
		{"any", Want{}, Want{Up: true}, "du", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var dirs []string
			for i := 0; i < 4; i++ {
				dirs = append(dirs, service(t, upR))
			}
			w, err := Subscribe(dirs)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			restarted := dirs
			if c.or {
				restarted = dirs[1:2]
			}
			for _, d := range restarted {
				notify(t, d, c.events)
			}
			if n, err := w.WaitRestart(c.first, c.want, c.or, soon()); n != 0 || err != nil {
				t.Fatalf("%d %v", n, err)
			}
		})
	}
}

// TestWaitRestartNeedsTheDown: a service that is up and stays up has not
// restarted, even though it is in the final state; one that was down when
// subscribed has already passed through the first state.
func TestWaitRestartNeedsTheDown(t *testing.T) {
	for _, restartA := range []bool{false, true} {
		a, b := service(t, upR), service(t, down)
		w, _ := Subscribe([]string{a, b})
		notify(t, b, "u")
		deadline := time.Now().Add(300 * time.Millisecond)
		if restartA {
			notify(t, a, "du")
			deadline = soon()
		}
		n, err := w.WaitRestart(Want{}, Want{Up: true}, false, deadline)
		w.Close()
		if restartA && (n != 0 || err != nil) {
			t.Fatalf("both restarted: %d %v", n, err)
		}
		if !restartA && !errors.Is(err, ErrTimeout) {
			t.Fatalf("a never went down: %d %v", n, err)
		}
	}
}

// TestWaitRestartSupervisorDiesBeforeDown: the supervisor of one service
// exits before it went down; that counts as a failure and does not block
// the wait for the others.
func TestWaitRestartSupervisorDiesBeforeDown(t *testing.T) {
	a, b := service(t, upR), service(t, upR)
	w, _ := Subscribe([]string{a, b})
	defer w.Close()
	notify(t, a, "x")
	notify(t, b, "du")
	if n, err := w.WaitRestart(Want{}, Want{Up: true}, false, soon()); n != 1 || err != nil {
		t.Fatalf("failures %d err %v", n, err)
	}
}
