package engine

import (
	"os"
	"path/filepath"
	"time"

	"s6box/core/svc"
	"s6box/rcdb"
	"s6box/rcdb/live"
	"s6box/rcdb/runner"
)

// Reload asks every selected atom to reload, all at once: a longrun's
// supervisor sends its reload-signal (SIGHUP by default), a oneshot runs its "reload"
// through the oneshot runner, with timeout or else its up timeout. It
// returns 1 if some reload failed, 0 otherwise.
func (r *Real) Reload(sel []bool, timeout time.Duration, m Messages) int {
	results := make(chan done)
	count := 0
	for i, s := range sel {
		if s {
			count++
			go func() { results <- done{i, r.reload(i, timeout)} }()
		}
	}
	code := 0
	for ; count > 0; count-- {
		d := <-results
		name := r.Live.DB.Atoms[d.i].Name
		if d.oc.ok() {
			if m.Verbosity >= 2 {
				m.Infof("service %s successfully reloaded", name)
			}
			continue
		}
		code = 1
		if m.Verbosity >= 1 {
			m.Warnf("unable to reload service %s: %s", name, d.oc.describe(true))
		}
	}
	return code
}

func (r *Real) reload(i int, timeout time.Duration) Outcome {
	a := &r.Live.DB.Atoms[i]
	if a.Type == rcdb.Longrun {
		// 'l' sends the service's reload-signal (s6 2.12); without that
		// file it is SIGHUP, which 'h' also sends to older supervisors.
		dir, cmd := r.Live.ServiceDir(a.Name), "h"
		if _, err := os.Stat(filepath.Join(dir, "reload-signal")); err == nil {
			cmd = "l"
		}
		if err := svc.Write(dir, []byte(cmd)); err != nil {
			return Outcome{Code: 111, Err: err}
		}
		return Outcome{}
	}
	if timeout <= 0 && a.TimeoutUp > 0 {
		timeout = time.Duration(a.TimeoutUp) * time.Millisecond
	}
	res := runner.Run(RunnerSocket(r.Live), "reload", i, r.Stdio, timeout)
	return Outcome{Code: res.Code, Signal: res.Signal, Err: res.Err}
}

// Restart stops then starts each selected atom that is up, without
// touching its dependents: a longrun is cycled through its supervisor, a
// oneshot runs its down then its up script. The state stays "up" unless
// the start fails. It returns 1 if some restart failed, 0 otherwise, or an
// error when the state cannot be recorded.
func (r *Real) Restart(sel []bool, m Messages) (int, error) {
	code := 0
	for i, s := range sel {
		if !s {
			continue
		}
		a := &r.Live.DB.Atoms[i]
		if !r.Live.Up(i) {
			if m.Verbosity >= 1 {
				m.Warnf("service %s is not up, not restarting it", a.Name)
			}
			continue
		}
		if m.Verbosity >= 2 {
			m.Infof("service %s: restarting", a.Name)
		}
		verb, oc := r.cycle(i)
		if oc.ok() {
			if m.Verbosity >= 2 {
				m.Infof("service %s successfully restarted", a.Name)
			}
			continue
		}
		code = 1
		if verb == "start" {
			if err := r.markDown(i); err != nil {
				return code, err
			}
		}
		m.Warnf("unable to %s service %s: %s", verb, a.Name, oc.describe(true))
	}
	return code, nil
}

// cycle runs atom i's down transition, then, if it worked, its up
// transition; verb says which one the outcome is from.
func (r *Real) cycle(i int) (verb string, oc Outcome) {
	a := &r.Live.DB.Atoms[i]
	oc = r.Run(i, false, time.Duration(a.TimeoutDown)*time.Millisecond, nil)
	if !oc.ok() {
		return "stop", oc
	}
	return "start", r.Run(i, true, time.Duration(a.TimeoutUp)*time.Millisecond, nil)
}

// markDown records that atom i failed to come back up: a longrun is sent
// down and marked down for its supervisor.
func (r *Real) markDown(i int) error {
	a := &r.Live.DB.Atoms[i]
	r.Live.State[i] &^= live.StateUp
	if a.Type == rcdb.Longrun {
		r.Failed(i)
		os.WriteFile(filepath.Join(r.Live.ServiceDir(a.Name), "down"), nil, 0o644)
	}
	return r.Live.WriteState()
}
