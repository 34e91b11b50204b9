// Package readiness polls a service's check program until it succeeds, as
// s6-notifyoncheck's checker does: sleep, run the check (with a time bound),
// retry after a pause, give up after a number of tries, a global timeout, or
// when the service dies.
package readiness

import (
	"syscall"
	"time"

	"s6box/core/reaper"
)

// Outcomes of Poll, which are also the checker's exit codes.
const (
	Ready     = 0 // the check succeeded and readiness was notified
	Exhausted = 1 // every try failed
	Died      = 2 // the service went down while checking
	TimedOut  = 3 // the global timeout passed
)

// Options of a poll; zero durations mean "none" (no sleep, no timeout).
type Options struct {
	InitialSleep  time.Duration
	GlobalTimeout time.Duration
	LocalTimeout  time.Duration // bound on one run of the check
	Wait          time.Duration // pause between two tries
	Tries         int           // 0 = unlimited
	Argv          []string      // the check command (argv[0] is a path)
	Dir           string
	Env           []string
	Files         []uintptr // descriptors of the check (stdin, stdout, stderr)
}

// Poll runs the check until an outcome. dead is closed when the service
// dies; notify is called once on success. A check that cannot be started
// counts as a failed try.
func Poll(o Options, r *reaper.Reaper, dead <-chan struct{}, notify func() error) (int, error) {
	var global <-chan time.Time
	if o.GlobalTimeout > 0 {
		t := time.NewTimer(o.GlobalTimeout)
		defer t.Stop()
		global = t.C
	}
	pause := func(d time.Duration) int {
		if d <= 0 {
			return -1
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return -1
		case <-dead:
			return Died
		case <-global:
			return TimedOut
		}
	}
	if code := pause(o.InitialSleep); code >= 0 {
		return code, nil
	}
	for try := 1; ; try++ {
		code, ok := runOnce(o, r, dead, global)
		if code >= 0 {
			return code, nil
		}
		if ok {
			return Ready, notify()
		}
		if o.Tries > 0 && try >= o.Tries {
			return Exhausted, nil
		}
		if code := pause(o.Wait); code >= 0 {
			return code, nil
		}
	}
}

// runOnce runs the check once. It returns an outcome code >= 0 when polling
// must stop (death, global timeout), else -1 and whether the check passed.
func runOnce(o Options, r *reaper.Reaper, dead <-chan struct{}, global <-chan time.Time) (int, bool) {
	pid, exited, err := r.StartProcess(o.Argv[0], o.Argv, &syscall.ProcAttr{Dir: o.Dir, Env: o.Env, Files: o.Files})
	if err != nil {
		return -1, false
	}
	var local <-chan time.Time
	if o.LocalTimeout > 0 {
		t := time.NewTimer(o.LocalTimeout)
		defer t.Stop()
		local = t.C
	}
	kill := func() {
		syscall.Kill(pid, syscall.SIGTERM)
		<-exited
	}
	select {
	case e := <-exited:
		return -1, e.Status.Exited() && e.Status.ExitStatus() == 0
	case <-local:
		kill()
		return -1, false
	case <-dead:
		kill()
		return Died, false
	case <-global:
		kill()
		return TimedOut, false
	}
}
