// Package engine is s6-rc's state engine: given a selection of atoms and a
// direction it runs every transition as soon as its dependencies (up) or
// dependents (down) are done, in parallel, honours per-service and global
// timeouts and the essential flag, keeps the live state file up to date and
// reports s6-rc's messages through the caller's Info and Warn.
package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"s6box/rcdb"
	"s6box/rcdb/live"
)

// Outcome of one transition.
type Outcome struct {
	Code   int // exit code (0 = success)
	Signal int // nonzero: "crashed with signal N"
	Err    error
}

func (oc Outcome) ok() bool { return oc.Code == 0 && oc.Signal == 0 }

// describe is how s6-rc words a failed transition; withErr adds the
// underlying error, if any.
func (oc Outcome) describe(withErr bool) string {
	s := fmt.Sprintf("command exited %d", oc.Code)
	if oc.Signal != 0 {
		s = fmt.Sprintf("command crashed with signal %d", oc.Signal)
	}
	if oc.Err != nil && withErr {
		s += " (" + oc.Err.Error() + ")"
	}
	return s
}

// Actions performs transitions; Run is called in its own goroutine.
type Actions interface {
	Run(i int, up bool, timeout time.Duration, abort <-chan struct{}) Outcome
	// Failed is called after a longrun failed to come up (s6-rc then sends
	// it down, fire-and-forget).
	Failed(i int)
}

// Messages is where the engine's diagnostics go and how many there are:
// 1 warnings, 2 also each transition, 3 also what is skipped. Info and Warn
// get a message without the "PROG: info: " prefix; nil discards.
type Messages struct {
	Verbosity int
	Info      func(format string, a ...any)
	Warn      func(format string, a ...any)
}

// Infof passes an informational message to Info.
func (m *Messages) Infof(format string, a ...any) {
	if m.Info != nil {
		m.Info(format, a...)
	}
}

// Warnf passes a warning to Warn.
func (m *Messages) Warnf(format string, a ...any) {
	if m.Warn != nil {
		m.Warn(format, a...)
	}
}

// Engine runs changes on one opened live directory.
type Engine struct {
	Messages
	Live     *live.Live
	Act      Actions
	DryRun   bool
	Force    bool          // -D / -e: stop essential services too
	Deadline time.Time     // zero = no global timeout
	Signals  <-chan string // "TERM"/"INT": lame duck
	Now      func() time.Time
}

// ErrTimedOut is returned when the global deadline passes.
var ErrTimedOut = &rcdb.Error{Code: 2, Msg: "timed out"}

// Apply is s6-rc's change: it extends sel with its dependencies (up) or
// dependents (down), records the wanted bits (except in a dry run), then
// brings the selection up or down. With prune, everything outside the
// selection goes the other way first: -pu stops the rest, then starts the
// selection; -pd stops the selection, then starts the rest.
func (e *Engine) Apply(sel []bool, up, prune bool) (int, error) {
	Closure(e.Live.DB, sel, up)
	if !e.DryRun {
		if err := e.Live.WriteState(); err != nil { // the "wanted" bits
			return 0, err
		}
	}
	if !prune {
		return e.Change(sel, up)
	}
	rest := make([]bool, len(sel))
	for i := range sel {
		rest[i] = !sel[i]
	}
	first, second := rest, sel
	if !up {
		first, second = sel, rest
	}
	if code, err := e.Change(first, false); err != nil || code != 0 {
		return code, err
	}
	return e.Change(second, true)
}

// Change brings the selected atoms up or down. It returns 0 if every
// transition succeeded, 1 if some failed, or an error (ErrTimedOut, system
// errors).
func (e *Engine) Change(sel []bool, up bool) (int, error) {
	c := e.newChange(sel, up)
	if e.Verbosity >= 3 {
		e.Infof("bringing selected services %s", c.dir)
	}
	for i := len(sel) - 1; i >= 0; i-- {
		c.examine(i)
	}
	return c.run()
}

// change is one Change in progress: each atom starts its transition once
// nothing it waits for is pending, and succeeding releases the atoms that
// wait for it. After a TERM or INT the change is a lame duck: what runs is
// aborted and nothing new starts.
type change struct {
	*Engine
	db       *rcdb.DB
	sel      []bool
	up       bool
	dir      string // "up" or "down", for messages
	now      func() time.Time
	pending  []int  // how many atoms each one still waits for
	examined []bool // transition started or skipped
	results  chan done
	abort    chan struct{}
	inflight int
	failed   bool
	lame     bool
}

type done struct {
	i  int
	oc Outcome
}

func (e *Engine) newChange(sel []bool, up bool) *change {
	db := e.Live.DB
	n := len(db.Atoms)
	c := &change{Engine: e, db: db, sel: sel, up: up, dir: "down", now: e.Now,
		pending: make([]int, n), examined: make([]bool, n),
		results: make(chan done, n), abort: make(chan struct{})}
	if up {
		c.dir = "up"
	}
	if c.now == nil {
		c.now = time.Now
	}
	for i := range db.Atoms {
		c.pending[i] = len(c.waitsFor(i))
	}
	return c
}

// waitsFor is what atom i waits for: its dependencies going up, its
// dependents going down.
func (c *change) waitsFor(i int) []int {
	if c.up {
		return c.db.Atoms[i].Deps
	}
	return c.db.Atoms[i].RDeps
}

// waitingOn is who waits for atom i.
func (c *change) waitingOn(i int) []int {
	if c.up {
		return c.db.Atoms[i].RDeps
	}
	return c.db.Atoms[i].Deps
}

// succeed releases the atoms waiting for i.
func (c *change) succeed(i int) {
	if c.lame {
		return
	}
	l := c.waitingOn(i)
	for k := len(l) - 1; k >= 0; k-- {
		c.pending[l[k]]--
		c.examine(l[k])
	}
}

// examine starts the transition of atom i if it is selected, nothing it
// waits for is pending and it was not examined yet; an atom already in the
// wanted state succeeds at once, an essential one is never stopped
// without Force.
func (c *change) examine(i int) {
	if !c.sel[i] || c.pending[i] != 0 || c.examined[i] {
		return
	}
	c.examined[i] = true
	a := &c.db.Atoms[i]
	if c.Live.Up(i) == c.up {
		if c.Verbosity >= 3 {
			c.Infof("service %s: already %s", a.Name, c.dir)
		}
		c.succeed(i)
		return
	}
	if !c.up && a.Flags&rcdb.FlagEssential != 0 && !c.Force {
		if c.Verbosity >= 1 {
			c.Warnf("service %s is marked as essential, not stopping it", a.Name)
		}
		return
	}
	if c.lame {
		return
	}
	if c.Verbosity >= 2 {
		c.progress("service %s: %s", a.Name, c.pick("starting", "stopping"))
	}
	timeout := c.timeout(a)
	c.inflight++
	go func() { c.results <- done{i, c.Act.Run(i, c.up, timeout, c.abort)} }()
}

// timeout is the atom's own timeout for the direction, cut short by what
// is left of the global budget (at least 1ms).
func (c *change) timeout(a *rcdb.Atom) time.Duration {
	t := a.TimeoutDown
	if c.up {
		t = a.TimeoutUp
	}
	timeout := time.Duration(t) * time.Millisecond
	if !c.Deadline.IsZero() {
		rem := max(c.Deadline.Sub(c.now()), time.Millisecond)
		if timeout == 0 || rem < timeout {
			timeout = rem
		}
	}
	return timeout
}

// run waits for every transition started, starting more as they succeed.
func (c *change) run() (int, error) {
	var timer <-chan time.Time
	if !c.Deadline.IsZero() {
		tm := time.NewTimer(c.Deadline.Sub(c.now()))
		defer tm.Stop()
		timer = tm.C
	}
	for c.inflight > 0 {
		select {
		case <-timer:
			return 0, ErrTimedOut
		case sig := <-c.Signals:
			c.goLame(sig)
		case d := <-c.results:
			c.inflight--
			if err := c.finished(d); err != nil {
				return 0, err
			}
		}
	}
	if c.failed {
		return 1, nil
	}
	return 0, nil
}

// goLame aborts the running transitions on the first signal.
func (c *change) goLame(sig string) {
	if c.lame {
		return
	}
	c.lame = true
	close(c.abort)
	if c.Verbosity >= 2 {
		c.Warnf("received %s, aborting pending processes and exiting asap", sig)
	}
}

// finished records a transition's outcome; a failure past the global
// deadline is ErrTimedOut.
func (c *change) finished(d done) error {
	a := &c.db.Atoms[d.i]
	if d.oc.ok() {
		if err := c.record(d.i, c.up); err != nil {
			c.Warnf("%v", err)
		}
		if c.Verbosity >= 2 {
			c.progress("service %s successfully %s", a.Name, c.pick("started", "stopped"))
		}
		c.succeed(d.i)
		return nil
	}
	if !c.Deadline.IsZero() && !c.now().Before(c.Deadline) {
		return ErrTimedOut // the transition ran out of the global budget
	}
	c.failed = true
	if c.up && a.Type == rcdb.Longrun && !c.DryRun {
		c.Act.Failed(d.i)
	}
	if c.Verbosity >= 1 {
		c.reportFailure(a, d.oc)
	}
	return nil
}

// pick is the word for the direction of the change.
func (c *change) pick(ifUp, ifDown string) string {
	if c.up {
		return ifUp
	}
	return ifDown
}

// progress reports a transition starting or done, marked in a dry run.
func (c *change) progress(format string, a ...any) {
	if c.DryRun {
		format = "dry run: " + format
	}
	c.Infof(format, a...)
}

func (c *change) reportFailure(a *rcdb.Atom, oc Outcome) {
	verb := c.pick("start", "stop")
	if c.DryRun {
		verb = "(dry run) " + verb
	}
	c.Warnf("unable to %s service %s: %s", verb, a.Name, oc.describe(c.Verbosity >= 2))
}

// record updates the state after a successful transition.
func (e *Engine) record(i int, up bool) error {
	if e.DryRun {
		return nil
	}
	a := &e.Live.DB.Atoms[i]
	if up {
		e.Live.State[i] |= live.StateUp
	} else {
		e.Live.State[i] &^= live.StateUp
	}
	var ferr error
	if a.Type == rcdb.Longrun {
		p := filepath.Join(e.Live.ServiceDir(a.Name), "down")
		if up {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				ferr = fmt.Errorf("unable to unlink %s: %v", p, rcdb.Unwrap(err))
			}
		} else if err := os.WriteFile(p, nil, 0o644); err != nil {
			ferr = fmt.Errorf("unable to touch %s: %v", p, rcdb.Unwrap(err))
		}
	}
	if err := e.Live.WriteState(); err != nil {
		return err
	}
	return ferr
}

// Closure extends sel with all transitive dependencies (up) or dependents
// (down).
func Closure(db *rcdb.DB, sel []bool, up bool) {
	var stack []int
	for i, s := range sel {
		if s {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		l := db.Atoms[i].Deps
		if !up {
			l = db.Atoms[i].RDeps
		}
		for _, j := range l {
			if !sel[j] {
				sel[j] = true
				stack = append(stack, j)
			}
		}
	}
}
