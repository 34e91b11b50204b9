// Package s6ctl drives one s6 supervisor through its on-disk interface
// (supervise/control, supervise/status and the event fifodir), the way
// `s6-svc -uwU` / `s6-svc -dwD` do, without spawning anything. It works with
// real s6-supervise and with ours.
package s6ctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"s6box/core/ftrig"
	"s6box/core/status"
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

// Send writes control bytes to DIR/supervise/control.
func Send(dir string, cmd string) error {
	p := filepath.Join(dir, "supervise", "control")
	f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("supervisor not listening on %s", dir)
		}
		return err
	}
	defer f.Close()
	_, err = f.Write([]byte(cmd))
	return err
}

// Want is the condition to wait for.
type Want int

// Conditions.
const (
	WantUp    Want = iota // run is alive
	WantReady             // run is alive and signalled readiness
	WantDown              // run is dead and finish has completed
)

func satisfied(w Want, s status.Status) bool {
	switch w {
	case WantUp:
		return s.Up()
	case WantReady:
		return s.Up() && s.Ready
	default:
		return s.PID == 0 && !s.Finishing
	}
}

// Change sends cmd ("u" or "d") to the supervisor of dir and waits until
// want holds, timeout passes (0 = forever) or abort is closed.
func Change(dir, cmd string, want Want, timeout time.Duration, abort <-chan struct{}) Outcome {
	ev, err := ftrig.Subscribe(filepath.Join(dir, "event"))
	if err != nil {
		return Outcome{Code: System, Err: err}
	}
	defer ev.Close()
	if err := Send(dir, cmd); err != nil {
		return Outcome{Code: System, Err: err}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	buf := make([]byte, 64)
	poll := 5 * time.Millisecond
	for {
		if s, err := status.Read(dir); err == nil && satisfied(want, s) {
			return Outcome{Code: OK}
		}
		select {
		case <-abort:
			return Outcome{Code: -1, Signal: int(syscall.SIGTERM)}
		default:
		}
		next := time.Now().Add(poll)
		if poll < 200*time.Millisecond {
			poll *= 2
		}
		if !deadline.IsZero() {
			if !time.Now().Before(deadline) {
				return Outcome{Code: TimedOut}
			}
			if deadline.Before(next) {
				next = deadline
			}
		}
		ev.SetDeadline(next)
		n, _ := ev.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case c == 'U' && want == WantReady, c == 'u' && want == WantUp, c == 'D' && want == WantDown:
				return Outcome{Code: OK}
			case c == 'O' && want != WantDown:
				return Outcome{Code: Permanent}
			}
		}
	}
}
