// Package engine is s6-rc's state engine: given a selection of atoms and a
// direction it runs every transition as soon as its dependencies (up) or
// dependents (down) are done, in parallel, honours per-service and global
// timeouts and the essential flag, keeps the live state file up to date and
// prints s6-rc's messages.
package engine

import (
	"fmt"
	"io"
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

// Actions performs transitions; Run is called in its own goroutine.
type Actions interface {
	Run(i int, up bool, timeout time.Duration, abort <-chan struct{}) Outcome
	// Failed is called after a longrun failed to come up (s6-rc then sends
	// it down, fire-and-forget).
	Failed(i int)
}

// Engine runs changes on one opened live directory.
type Engine struct {
	Live      *live.Live
	Act       Actions
	Prog      string
	Stderr    io.Writer
	Verbosity int
	DryRun    bool
	Force     bool          // -D / -e: stop essential services too
	Deadline  time.Time     // zero = no global timeout
	Signals   <-chan string // "TERM"/"INT": lame duck
	Now       func() time.Time
}

// ErrTimedOut is returned when the global deadline passes.
var ErrTimedOut = &rcdb.Error{Code: 2, Msg: "timed out"}

func (e *Engine) info(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "%s: info: %s\n", e.Prog, fmt.Sprintf(format, a...))
}

func (e *Engine) warn(format string, a ...any) {
	fmt.Fprintf(e.Stderr, "%s: warning: %s\n", e.Prog, fmt.Sprintf(format, a...))
}

type done struct {
	i  int
	oc Outcome
}

// Change brings the selected atoms up or down. It returns 0 if every
// transition succeeded, 1 if some failed, or an error (ErrTimedOut, system
// errors).
func (e *Engine) Change(sel []bool, up bool) (int, error) {
	db := e.Live.DB
	n := len(db.Atoms)
	now := e.Now
	if now == nil {
		now = time.Now
	}
	dir := "down"
	if up {
		dir = "up"
	}
	if e.Verbosity >= 3 {
		e.info("bringing selected services %s", dir)
	}
	next := func(i int) []int { // who waits for i
		if up {
			return db.Atoms[i].RDeps
		}
		return db.Atoms[i].Deps
	}
	pending := make([]int, n)
	for i := range db.Atoms {
		if up {
			pending[i] = len(db.Atoms[i].Deps)
		} else {
			pending[i] = len(db.Atoms[i].RDeps)
		}
	}
	examined := make([]bool, n)
	results := make(chan done, n)
	abort := make(chan struct{})
	inflight := 0
	failed := false
	lame := false
	var examine func(i int)
	var succeed func(i int)
	succeed = func(i int) {
		if lame {
			return
		}
		l := next(i)
		for k := len(l) - 1; k >= 0; k-- {
			j := l[k]
			pending[j]--
			examine(j)
		}
	}
	examine = func(i int) {
		if !sel[i] || pending[i] != 0 || examined[i] {
			return
		}
		examined[i] = true
		a := &db.Atoms[i]
		if e.Live.Up(i) == up {
			if e.Verbosity >= 3 {
				e.info("service %s: already %s", a.Name, dir)
			}
			succeed(i)
			return
		}
		if !up && a.Flags&rcdb.FlagEssential != 0 && !e.Force {
			if e.Verbosity >= 1 {
				e.warn("service %s is marked as essential, not stopping it", a.Name)
			}
			return
		}
		if lame {
			return
		}
		t := a.TimeoutDown
		verb := "stopping"
		if up {
			t, verb = a.TimeoutUp, "starting"
		}
		timeout := time.Duration(t) * time.Millisecond
		if !e.Deadline.IsZero() {
			rem := e.Deadline.Sub(now())
			if rem < time.Millisecond {
				rem = time.Millisecond
			}
			if timeout == 0 || rem < timeout {
				timeout = rem
			}
		}
		if e.Verbosity >= 2 {
			if e.DryRun {
				e.info("dry run: service %s: %s", a.Name, verb)
			} else {
				e.info("service %s: %s", a.Name, verb)
			}
		}
		inflight++
		go func() { results <- done{i, e.Act.Run(i, up, timeout, abort)} }()
	}
	for i := n - 1; i >= 0; i-- {
		examine(i)
	}
	var timer <-chan time.Time
	if !e.Deadline.IsZero() {
		tm := time.NewTimer(e.Deadline.Sub(now()))
		defer tm.Stop()
		timer = tm.C
	}
	for inflight > 0 {
		select {
		case <-timer:
			return 0, ErrTimedOut
		case sig := <-e.Signals:
			if !lame {
				lame = true
				close(abort)
				if e.Verbosity >= 2 {
					e.warn("received %s, aborting pending processes and exiting asap", sig)
				}
			}
		case d := <-results:
			inflight--
			a := &db.Atoms[d.i]
			if d.oc.Code == 0 && d.oc.Signal == 0 {
				if err := e.record(d.i, up); err != nil {
					e.warn("%v", err)
				}
				if e.Verbosity >= 2 {
					word := "stopped"
					if up {
						word = "started"
					}
					if e.DryRun {
						e.info("dry run: service %s successfully %s", a.Name, word)
					} else {
						e.info("service %s successfully %s", a.Name, word)
					}
				}
				succeed(d.i)
				continue
			}
			if !e.Deadline.IsZero() && !now().Before(e.Deadline) {
				// the transition ran out of the global budget
				return 0, ErrTimedOut
			}
			failed = true
			if up && a.Type == rcdb.Longrun && !e.DryRun {
				e.Act.Failed(d.i)
			}
			if e.Verbosity >= 1 {
				verb := "stop"
				if up {
					verb = "start"
				}
				if e.DryRun {
					verb = "(dry run) " + verb
				}
				how := fmt.Sprintf("command exited %d", d.oc.Code)
				if d.oc.Signal != 0 {
					how = fmt.Sprintf("command crashed with signal %d", d.oc.Signal)
				}
				if d.oc.Err != nil && e.Verbosity >= 2 {
					how += " (" + d.oc.Err.Error() + ")"
				}
				e.warn("unable to %s service %s: %s", verb, a.Name, how)
			}
		}
	}
	if failed {
		return 1, nil
	}
	return 0, nil
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
