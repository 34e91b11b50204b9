package engine

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"s6box/rcdb"
	"s6box/rcdb/live"
)

// fake records the order of transitions and can fail or block some.
type fake struct {
	mu      sync.Mutex
	order   []string
	running int
	maxPar  int
	fail    map[string]int
	db      *rcdb.DB
	delay   time.Duration
}

func (f *fake) Run(i int, up bool, timeout time.Duration, abort <-chan struct{}) Outcome {
	name := f.db.Atoms[i].Name
	f.mu.Lock()
	f.running++
	if f.running > f.maxPar {
		f.maxPar = f.running
	}
	f.order = append(f.order, name)
	f.mu.Unlock()
	time.Sleep(f.delay)
	f.mu.Lock()
	f.running--
	f.mu.Unlock()
	return Outcome{Code: f.fail[name]}
}

func (f *fake) Failed(int) {}

// mkdb builds a db: runner, fdholder, then oneshots with the given deps.
func mkdb(t *testing.T, deps map[string][]string, order []string) *rcdb.DB {
	db := &rcdb.DB{Version: rcdb.FormatVersion, NLong: 2}
	db.Atoms = append(db.Atoms, rcdb.Atom{Name: rcdb.RunnerName, Type: rcdb.Longrun, Flags: rcdb.FlagEssential, Consumer: -1},
		rcdb.Atom{Name: rcdb.FdholderName, Type: rcdb.Longrun, Flags: rcdb.FlagEssential, Consumer: -1})
	idx := map[string]int{}
	for _, n := range order {
		idx[n] = len(db.Atoms)
		db.Atoms = append(db.Atoms, rcdb.Atom{Name: n, Type: rcdb.Oneshot, Consumer: -1, Deps: []int{0}})
	}
	for n, ds := range deps {
		for _, d := range ds {
			db.Atoms[idx[n]].Deps = append(db.Atoms[idx[n]].Deps, idx[d])
		}
	}
	for i := range db.Atoms {
		for _, d := range db.Atoms[i].Deps {
			db.Atoms[d].RDeps = append(db.Atoms[d].RDeps, i)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	return db
}

func newLive(t *testing.T, db *rcdb.DB) *live.Live {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "state"), make([]byte, len(db.Atoms)), 0o644)
	return &live.Live{Dir: dir, DB: db, State: make([]byte, len(db.Atoms))}
}

func pos(l []string, x string) int {
	for i, y := range l {
		if y == x {
			return i
		}
	}
	return -1
}

func TestDiamondOrderAndParallelism(t *testing.T) {
	db := mkdb(t, map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"b", "c"}}, []string{"a", "b", "c", "d"})
	l := newLive(t, db)
	f := &fake{db: db, delay: 50 * time.Millisecond}
	var errb bytes.Buffer
	e := &Engine{Live: l, Act: f, Messages: messagesTo(&errb, 2)}
	sel := make([]bool, len(db.Atoms))
	sel[5] = true // d
	Closure(db, sel, true)
	code, err := e.Change(sel, true)
	if code != 0 || err != nil {
		t.Fatal(code, err, errb.String())
	}
	o := f.order
	if len(o) != 5 || o[0] != rcdb.RunnerName || pos(o, "a") > pos(o, "b") || pos(o, "a") > pos(o, "c") ||
		pos(o, "d") < pos(o, "b") || pos(o, "d") < pos(o, "c") {
		t.Errorf("order %v", o)
	}
	if f.maxPar < 2 {
		t.Errorf("b and c did not run in parallel (max %d)", f.maxPar)
	}
	st, _ := os.ReadFile(filepath.Join(l.Dir, "state"))
	for i := range db.Atoms {
		if want := i != 1; (st[i]&live.StateUp != 0) != want {
			t.Errorf("state[%d] = %d", i, st[i])
		}
	}
	// down from a: d, then b and c, then a; runner is not selected
	f.order = nil
	sel = make([]bool, len(db.Atoms))
	sel[2] = true
	Closure(db, sel, false)
	if code, err := e.Change(sel, false); code != 0 || err != nil {
		t.Fatal(code, err)
	}
	o = f.order
	if len(o) != 4 || o[0] != "d" || o[3] != "a" {
		t.Errorf("down order %v", o)
	}
}

func TestFailureStopsDependentsOnly(t *testing.T) {
	db := mkdb(t, map[string][]string{"bad": {"a"}, "after": {"bad"}}, []string{"a", "after", "bad", "indep"})
	l := newLive(t, db)
	f := &fake{db: db, fail: map[string]int{"bad": 3}}
	var errb bytes.Buffer
	e := &Engine{Live: l, Act: f, Messages: messagesTo(&errb, 2)}
	sel := make([]bool, len(db.Atoms))
	for i := range sel {
		sel[i] = i != 1
	}
	code, err := e.Change(sel, true)
	if code != 1 || err != nil {
		t.Fatal(code, err)
	}
	if pos(f.order, "after") >= 0 || pos(f.order, "indep") < 0 {
		t.Errorf("order %v", f.order)
	}
	if !strings.Contains(errb.String(), "rc: warning: unable to start service bad: command exited 3\n") {
		t.Errorf("stderr %s", errb.String())
	}
}

func TestEssentialAndForce(t *testing.T) {
	db := mkdb(t, nil, []string{"a"})
	db.Atoms[2].Flags = rcdb.FlagEssential
	l := newLive(t, db)
	for i := range l.State {
		l.State[i] = live.StateUp
	}
	f := &fake{db: db}
	var errb bytes.Buffer
	e := &Engine{Live: l, Act: f, Messages: messagesTo(&errb, 1)}
	sel := []bool{true, false, true}
	if code, _ := e.Change(sel, false); code != 0 || len(f.order) != 0 {
		t.Errorf("essential stopped: %v", f.order)
	}
	if !strings.Contains(errb.String(), "service a is marked as essential, not stopping it") {
		t.Errorf("stderr %s", errb.String())
	}
	e.Force = true
	if code, _ := e.Change(sel, false); code != 0 || !eq(f.order, []string{"a", rcdb.RunnerName}) {
		t.Errorf("forced: %v", f.order)
	}
}

func eq(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

type slow struct{ db *rcdb.DB }

func (s *slow) Run(i int, up bool, timeout time.Duration, abort <-chan struct{}) Outcome {
	select {
	case <-abort:
		return Outcome{Signal: 15}
	case <-time.After(time.Minute):
		return Outcome{}
	}
}
func (s *slow) Failed(int) {}

func TestGlobalTimeoutAndSignal(t *testing.T) {
	db := mkdb(t, nil, []string{"a"})
	l := newLive(t, db)
	var errb bytes.Buffer
	e := &Engine{Live: l, Act: &slow{db}, Messages: messagesTo(&errb, 2), Deadline: time.Now().Add(50 * time.Millisecond)}
	sel := []bool{true, false, false}
	if _, err := e.Change(sel, true); err != ErrTimedOut {
		t.Errorf("err = %v", err)
	}
	sigs := make(chan string, 1)
	sigs <- "TERM"
	e = &Engine{Live: l, Act: &slow{db}, Messages: messagesTo(&errb, 2), Signals: sigs}
	code, err := e.Change(sel, true)
	if code != 1 || err != nil || !strings.Contains(errb.String(), "rc: warning: received TERM, aborting pending processes and exiting asap") ||
		!strings.Contains(errb.String(), "command crashed with signal 15") {
		t.Errorf("signal: %d %v %s", code, err, errb.String())
	}
}

// messagesTo formats the engine's messages as the rc applet does.
func messagesTo(w io.Writer, verbosity int) Messages {
	return Messages{Verbosity: verbosity,
		Info: func(format string, a ...any) { fmt.Fprintf(w, "rc: info: "+format+"\n", a...) },
		Warn: func(format string, a ...any) { fmt.Fprintf(w, "rc: warning: "+format+"\n", a...) }}
}
