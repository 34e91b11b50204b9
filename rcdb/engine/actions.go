package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"s6box/core/svc"
	"s6box/core/svcwait"
	"s6box/rcdb"
	"s6box/rcdb/live"
	"s6box/rcdb/runner"
)

// Real performs transitions for real: longruns through their supervisor,
// oneshots through the oneshot runner.
type Real struct {
	Live  *live.Live
	Stdio [3]*os.File
}

func ms(d time.Duration) int64 { return int64(d / time.Millisecond) }

func hasNotification(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "notification-fd"))
	return err == nil
}

// RunnerSocket is the oneshot runner's socket in a live directory.
func RunnerSocket(l *live.Live) string {
	return filepath.Join(l.ServiceDir(rcdb.RunnerName), "s")
}

// Run implements Actions.
func (r *Real) Run(i int, up bool, timeout time.Duration, abort <-chan struct{}) Outcome {
	a := &r.Live.DB.Atoms[i]
	if a.Type == rcdb.Longrun {
		dir := r.Live.ServiceDir(a.Name)
		switch {
		case !up:
			return longrunOutcome(svcwait.Change(dir, "d", 'D', timeout, abort))
		case hasNotification(dir):
			return longrunOutcome(svcwait.Change(dir, "u", 'U', timeout, abort))
		default:
			return longrunOutcome(svcwait.Change(dir, "u", 'u', timeout, abort))
		}
	}
	verb := "down"
	if up {
		verb = "up"
	}
	res := runner.Run(RunnerSocket(r.Live), verb, i, r.Stdio, timeout)
	return Outcome{Code: res.Code, Signal: res.Signal, Err: res.Err}
}

// longrunOutcome reports a longrun transition the way s6-rc reports the
// s6-svc -uwU / -dwD it would have spawned: exit 1 for a permanent failure
// (or a dead supervisor), 99 for a timeout, 111 for a system error, and an
// aborted wait as a crash by SIGTERM.
func longrunOutcome(err error) Outcome {
	var fe *svcwait.FailedError
	var te *svcwait.TriggerError
	switch {
	case err == nil:
		return Outcome{}
	case errors.Is(err, svcwait.ErrAborted):
		return Outcome{Code: -1, Signal: int(syscall.SIGTERM)}
	case errors.Is(err, svcwait.ErrTimeout):
		return Outcome{Code: svcwait.TimeoutExitCode}
	case errors.As(err, &fe):
		return Outcome{Code: 1}
	case errors.As(err, &te):
		return Outcome{Code: 111, Err: te.Err}
	}
	return Outcome{Code: 111, Err: err}
}

// Failed implements Actions: the half-started longrun is sent down, fire
// and forget.
func (r *Real) Failed(i int) {
	svc.Write(r.Live.ServiceDir(r.Live.DB.Atoms[i].Name), []byte("d"))
}

// DryRun prints what would be done, one "PROG-dryrun:" line per transition
// on Stdout, and waits Sleep for each.
type DryRun struct {
	Live      *live.Live
	Prog      string
	Stdout    io.Writer
	Verbosity int
	Sleep     time.Duration
	mu        sync.Mutex // transitions run in parallel; lines stay whole
}

// Argv is the s6 command line equivalent to a transition, as s6-rc's dry run
// shows it.
func Argv(l *live.Live, i int, up bool, timeout time.Duration) []string {
	a := &l.DB.Atoms[i]
	t := fmt.Sprint(ms(timeout))
	if a.Type == rcdb.Longrun {
		dir := l.ServiceDir(a.Name)
		flag := "-dwD"
		if up {
			flag = "-uwu"
			if hasNotification(dir) {
				flag = "-uwU"
			}
		}
		return []string{"s6-svc", flag, "-T", t, "--", dir}
	}
	verb := "down"
	if up {
		verb = "up"
	}
	return []string{"s6-sudo", "-el0", "-t", "30000", "-T", t, "--", RunnerSocket(l), verb, fmt.Sprint(i), " #", a.Name}
}

// Run implements Actions.
func (d *DryRun) Run(i int, up bool, timeout time.Duration, abort <-chan struct{}) Outcome {
	if d.Verbosity > 0 {
		line := fmt.Sprintf("%s-dryrun: %s\n", d.Prog, strings.Join(Argv(d.Live, i, up, timeout), " "))
		d.mu.Lock()
		io.WriteString(d.Stdout, line)
		d.mu.Unlock()
	}
	select {
	case <-time.After(d.Sleep):
	case <-abort:
	}
	return Outcome{}
}

// Failed implements Actions.
func (d *DryRun) Failed(int) {}
