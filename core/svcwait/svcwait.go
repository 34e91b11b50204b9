// Package svcwait is "do something to a set of supervised services, then
// wait for the state it should bring": subscribe to every event fifodir and
// read the statuses first, then run the trigger (write control bytes, spawn
// a program), then follow the events until the wanted state holds, the
// deadline passes or the wait is aborted. Subscribing before triggering is
// what makes it impossible to miss a transition.
//
// It is the one home of the logic shared by s6-svc -w, s6-svwait,
// s6-svlisten1, s6-svlisten and s6-rc's longrun transitions. It returns
// typed errors; the callers choose messages and exit codes.
package svcwait

import (
	"time"

	"s6box/core/svc"
	"s6box/core/svlisten"
)

// TimeoutExitCode is what s6-svwait, s6-svlisten1, s6-svlisten and s6-svc
// -w exit with when their deadline passes, and so what s6-rc reports for a
// longrun transition that timed out ("command exited 99").
const TimeoutExitCode = 99

// Mode selects whose semantics a wait follows; they differ in the first
// phase of a restart wait (-r/-R) and in how failed services are reported.
type Mode int

const (
	// AllWait is s6-svwait: -r first waits for every service down; the
	// failures of both phases are counted.
	AllWait Mode = iota
	// One is s6-svlisten1: -r first waits for down and ready (or a
	// failure); any failure fails the wait.
	One
	// Many is s6-svlisten: -r first waits for every service down and
	// ready; failures are counted.
	Many
)

// Request describes one wait.
type Request struct {
	Dirs     []string
	Letter   byte // u U d D r R: up, up+ready, down, down+finished, restarted, restarted+ready
	Or       bool // one service in the wanted state is enough
	Mode     Mode
	Deadline time.Time       // zero: wait forever
	Abort    <-chan struct{} // closing it ends the wait with ErrAborted; nil never fires
}

// ErrTimeout is returned when the deadline passes.
var ErrTimeout = svlisten.ErrTimeout

// ErrAborted is returned when the Abort channel is closed.
var ErrAborted = svlisten.ErrAborted

// FailedError reports services that failed permanently (their finish
// script exited 125) or whose supervisor died before they reached the
// wanted state.
type FailedError struct {
	Count int
	Dir   string // the service, in mode One
	Mode  Mode
}

func (e *FailedError) Error() string {
	if e.Mode == One {
		return e.Dir + " failed permanently or its supervisor died"
	}
	return "some services reported permanent failure"
}

// TriggerError wraps the error the trigger returned.
type TriggerError struct{ Err error }

func (e *TriggerError) Error() string { return e.Err.Error() }
func (e *TriggerError) Unwrap() error { return e.Err }

// wantFor maps a -u -U -d -D -r -R letter to the final wanted state and
// whether a restart (down first) is awaited.
func wantFor(letter byte) (want svlisten.Want, restart bool) {
	switch letter {
	case 'U':
		return svlisten.Want{Up: true, Ready: true}, false
	case 'd':
		return svlisten.Want{}, false
	case 'D':
		return svlisten.Want{Ready: true}, false
	case 'r':
		return svlisten.Want{Up: true}, true
	case 'R':
		return svlisten.Want{Up: true, Ready: true}, true
	}
	return svlisten.Want{Up: true}, false
}

// Run subscribes to r.Dirs, calls trigger (nil: nothing to trigger, a pure
// wait) and waits as r asks. A trigger failure comes back as a
// *TriggerError; subscription and event errors as they are.
func Run(r Request, trigger func() error) error {
	w, err := svlisten.Subscribe(r.Dirs)
	if err != nil {
		return err
	}
	defer w.Close()
	if trigger != nil {
		if err := trigger(); err != nil {
			return &TriggerError{Err: err}
		}
	}
	return await(w, r)
}

// Change is s6-rc's longrun transition: send cmd to the supervisor of dir
// and wait, in s6-svlisten1's manner, for the state letter names.
func Change(dir, cmd string, letter byte, timeout time.Duration, abort <-chan struct{}) error {
	r := Request{Dirs: []string{dir}, Letter: letter, Mode: One, Abort: abort}
	if timeout > 0 {
		r.Deadline = time.Now().Add(timeout)
	}
	return Run(r, func() error { return svc.Write(dir, []byte(cmd)) })
}

// await waits for the wanted state and turns the failures counted into a
// *FailedError. A restart wait (-r/-R) follows each service on its own: it
// counts once it has gone down (s6-svwait) or down and finished
// (s6-svlisten1, s6-svlisten) and then reached the wanted state, since
// supervisors restart at once and all services are never down together.
func await(w *svlisten.Watcher, r Request) error {
	want, restart := wantFor(r.Letter)
	var n int
	var err error
	if restart {
		first := svlisten.Want{Ready: true}
		if r.Mode == AllWait {
			first = svlisten.Want{}
		}
		if r.Abort == nil {
			n, err = w.WaitRestart(first, want, r.Or, r.Deadline)
		} else {
			n, err = w.WaitRestartAbort(first, want, r.Or, r.Deadline, r.Abort)
		}
	} else {
		n, err = wait(w, r, condition{want, r.Or})
	}
	if err != nil {
		return err
	}
	if n > 0 {
		return &FailedError{Count: n, Dir: r.Dirs[0], Mode: r.Mode}
	}
	return nil
}

type condition struct {
	want svlisten.Want
	or   bool
}

// wait uses the single-threaded poll loop when nothing can abort it. The
// watcher's errors already name the service and the operation.
func wait(w *svlisten.Watcher, r Request, c condition) (int, error) {
	if r.Abort == nil {
		return w.Wait(c.want, c.or, r.Deadline)
	}
	return w.WaitAbort(c.want, c.or, r.Deadline, r.Abort)
}
