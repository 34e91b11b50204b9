// Package s6ctl drives one s6 supervisor through its on-disk interface
// (supervise/control, supervise/status and the event fifodir), the way
// `s6-svc -uwU` / `s6-svc -dwD` do, without spawning anything. It works with
// real s6-supervise and with ours. Sending is core/svc's, waiting is
// core/svlisten's (subscribe, read the status, send, follow the events).
package s6ctl

import (
	"errors"
	"syscall"
	"time"

	"s6box/core/svc"
	"s6box/core/svlisten"
)

// Outcome codes, chosen to match what s6-svc/s6-svlisten1 exit with so that
// s6-rc's messages read the same.
const (
	OK        = 0
	Permanent = 1   // the service will not come up (finish exited 125)
	TimedOut  = 99  // s6-svlisten1's timeout code
	System    = 111 // no supervisor, fifo errors
)

// Outcome of a wait.
type Outcome struct {
	Code   int
	Signal int // nonzero when aborted (reported like a crash with this signal)
	Err    error
}

// Send writes control bytes to DIR/supervise/control (core/svc.Write).
func Send(dir string, cmd string) error {
	return svc.Write(dir, []byte(cmd))
}

// Want is the condition to wait for.
type Want int

// Conditions.
const (
	WantUp    Want = iota // run is alive
	WantReady             // run is alive and signalled readiness
	WantDown              // run is dead and finish has completed
)

var wants = [...]svlisten.Want{
	WantUp:    {Up: true},
	WantReady: {Up: true, Ready: true},
	WantDown:  {Up: false, Ready: true}, // down and ready: finish is done
}

// Change sends cmd ("u" or "d") to the supervisor of dir and waits until
// want holds, timeout passes (0 = forever) or abort is closed. The
// subscription comes first, so no transition can be missed. A permanent
// failure (event O while waiting for up), or the supervisor exiting short
// of the wanted state, is Permanent.
func Change(dir, cmd string, want Want, timeout time.Duration, abort <-chan struct{}) Outcome {
	w, err := svlisten.Subscribe([]string{dir})
	if err != nil {
		return Outcome{Code: System, Err: err}
	}
	defer w.Close()
	if err := Send(dir, cmd); err != nil {
		return Outcome{Code: System, Err: err}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	failures, err := w.WaitAbort(wants[want], false, deadline, abort)
	switch {
	case errors.Is(err, svlisten.ErrAborted):
		return Outcome{Code: -1, Signal: int(syscall.SIGTERM)}
	case errors.Is(err, svlisten.ErrTimeout):
		return Outcome{Code: TimedOut}
	case err != nil:
		return Outcome{Code: System, Err: err}
	case failures > 0:
		return Outcome{Code: Permanent}
	}
	return Outcome{Code: OK}
}
