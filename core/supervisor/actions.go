package supervisor

import (
	"errors"
	"io/fs"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/signame"
	"s6box/core/status"
	"s6box/core/svconf"
	"s6box/core/tai64n"
)

// The actions of the table in machine.go, in the order of its lines.

func ignore(*machine, event) {}

// begin is the supervisor's start-up: fresh death tally, status "down and
// ready", and ./run started unless ./down exists.
func begin(m *machine, _ event) {
	m.fx.resetDeaths()
	now := m.stamp()
	m.st = status.Status{Stamp: now, ReadyStamp: now, WantUp: !m.fx.exists("down"), Ready: true}
	// Without a status file no client can see the service: a supervisor
	// that cannot write it (no descriptor left, read-only filesystem) does
	// not start the service, and its host gives up and releases the lock.
	if err := m.fx.writeStatus(m.st); err != nil {
		m.startErr = err
		m.state = StateExited
		return
	}
	m.fx.notify("s")
	if m.st.WantUp {
		m.startRun()
	}
}

// runDied records the death of ./run and starts ./finish; without a
// finish the service is down at once.
func runDied(m *machine, ev event) {
	ws := ev.wstat
	m.disarm()
	m.fx.stopReadiness()
	m.gen++ // late readiness bytes of the dead run are ignored
	last := m.state == StateLastUp
	now := m.stamp()
	m.runPid = 0
	m.uptime = m.fx.now().Sub(m.runStart)
	m.st.Wstat = status.WaitStatusFromSys(ws)
	m.st.Stamp = now
	m.st.Paused, m.st.Ready = false, false
	max := defaultDeaths
	if n, ok := m.readUint("max-death-tally"); ok {
		max = int(min(n, maxDeaths))
	}
	m.fx.appendDeath(status.DeathFromWstat(now, m.st.Wstat), max)

	code, sig := "256", 0
	switch {
	case ws.Exited():
		code = strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		sig = int(ws.Signal())
	}
	pid, err := m.fx.startFinish([]string{"finish", code, strconv.Itoa(sig)})
	if err != nil {
		// No finish (or it cannot run): the service is down at once, but
		// the two events stay two writes as with 2.11's failing child.
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to spawn %s/finish: %v", m.dir, err)
		}
		m.st.PID = 0
		m.st.Finishing = false
		m.write()
		m.fx.notify("d")
		if last {
			m.state = StateLastFinish
		} else {
			m.state = StateFinish
		}
		m.finishDone(false)
		return
	}
	m.finPid = pid
	if last {
		m.state = StateLastFinish
	} else {
		m.state = StateFinish
	}
	m.st.PID = uint64(pid)
	m.st.Finishing = true
	m.write()
	m.fx.notify("d")
	ms := uint64(defaultFinishMax)
	if n, ok := m.readUint("timeout-finish"); ok {
		ms = n
	}
	if ms > 0 {
		m.arm(timerFinish, msDuration(ms))
	}
}

// finishDied: ./finish ended; exit code 125 means "do not restart".
func finishDied(m *machine, ev event) {
	m.disarm()
	m.finPid = 0
	m.finishDone(ev.wstat.Exited() && ev.wstat.ExitStatus() == 125)
}

// retryStart is the deadline of a throttled, failed or held-back start.
func retryStart(m *machine, _ event) {
	if m.st.WantUp {
		m.startRun()
	}
}

// killRun is timeout-kill: SIGKILL to run (its process group with
// flag-timeout-killpg, s6 2.13+), repeated while it lives.
func killRun(m *machine, _ event) {
	if m.fx.exists("flag-timeout-killpg") {
		m.fx.killpg(m.runPid, syscall.SIGKILL)
	} else {
		m.fx.kill(m.runPid, syscall.SIGKILL)
	}
	m.arm(timerKill, killRepeat)
}

// killFinish is timeout-finish: SIGKILL to finish, repeated while it lives.
func killFinish(m *machine, _ event) {
	m.fx.kill(m.finPid, syscall.SIGCONT)
	m.fx.kill(m.finPid, syscall.SIGKILL)
	m.arm(timerFinish, killRepeat)
}

// becomeReady: run wrote a newline on its notification fd.
func becomeReady(m *machine, _ event) {
	if m.st.Ready {
		return
	}
	m.fx.stopReadiness()
	now := m.fx.now()
	m.anchor = now
	m.st.Ready = true
	m.st.ReadyStamp = tai64n.FromTime(now)
	m.write()
	m.fx.notify("U")
}

// closeReadiness: run closed its notification fd without a newline.
func closeReadiness(m *machine, _ event) { m.fx.stopReadiness() }

// forward sends run the signal its control byte names (s6-svc -a -b -q -h
// -k -t -i -1 -2 -y).
func forward(m *machine, ev event) {
	if sig, ok := signame.ByLetter(ev.b); ok {
		m.fx.kill(m.runPid, sig)
	}
}

func pause(m *machine, _ event)       { m.setPaused(m.fx.kill, syscall.SIGSTOP, true) }
func resume(m *machine, _ event)      { m.setPaused(m.fx.kill, syscall.SIGCONT, false) }
func pauseGroup(m *machine, _ event)  { m.setPaused(m.fx.killpg, syscall.SIGSTOP, true) }
func resumeGroup(m *machine, _ event) { m.setPaused(m.fx.killpg, syscall.SIGCONT, false) }

func killGroup(m *machine, _ event) { m.fx.killpg(m.runPid, syscall.SIGKILL) }

// skipBackoff is `r` while down (s6box): a start held back by
// restart-backoff happens now. Otherwise `r` does nothing while down, as in
// s6.
func skipBackoff(m *machine, _ event) {
	if m.timer == timerBackoff && m.st.WantUp {
		m.startRun()
	}
}

func sendDownSignal(m *machine, _ event) {
	m.fx.kill(m.runPid, m.signalFile("down-signal", syscall.SIGTERM))
}

func sendReloadSignal(m *machine, _ event) {
	m.fx.kill(m.runPid, m.signalFile("reload-signal", syscall.SIGHUP))
}

// stayDown is `d` or `O` while down: want down, cancel a pending start.
func stayDown(m *machine, _ event) {
	m.st.WantUp = false
	m.disarm()
	m.write()
}

// stop is `d` while run is up: want down and send the down signal, then
// SIGKILL after timeout-kill if the file sets one.
func stop(m *machine, _ event) {
	m.st.WantUp = false
	m.fx.kill(m.runPid, m.signalFile("down-signal", syscall.SIGTERM))
	m.fx.kill(m.runPid, syscall.SIGCONT)
	m.st.Paused = false
	m.write()
	if ms, ok := m.readUint("timeout-kill"); ok && ms > 0 {
		m.arm(timerKill, msDuration(ms))
	}
}

// wantDown records "wanted down" and nothing else.
func wantDown(m *machine, _ event) {
	m.st.WantUp = false
	m.write()
}

// markStayDown, markStop, markWantDown are `D` and `Q`: create ./down, then
// as `d` or `O`.
func markStayDown(m *machine, ev event) { m.mkDown(); stayDown(m, ev) }
func markStop(m *machine, ev event)     { m.mkDown(); stop(m, ev) }
func markWantDown(m *machine, ev event) { m.mkDown(); wantDown(m, ev) }

// startNow is `u` while down: want up and start run now.
func startNow(m *machine, _ event) {
	m.st.WantUp = true
	// Starting run writes the status: writing it before too would only
	// delay the spawn and the "u" event.
	if !m.startRun() {
		m.write()
	}
}

// wantUp records "wanted up": run starts when the current cycle ends.
func wantUp(m *machine, _ event) {
	m.st.WantUp = true
	m.write()
}

// unmarkStartNow and unmarkWantUp are `U`: remove ./down, then as `u`.
func unmarkStartNow(m *machine, ev event) { m.rmDown(); startNow(m, ev) }
func unmarkWantUp(m *machine, ev event)   { m.rmDown(); wantUp(m, ev) }

// once is `o` while down: start run once, not restarted when it dies.
func once(m *machine, _ event) {
	m.st.WantUp = false
	m.write()
	m.startRun()
}

// exit: the supervisor leaves now.
func exit(m *machine, _ event) {
	m.disarm()
	m.fx.stopReadiness()
	m.state = StateExited
	m.fx.notify("x")
}

// lastUp and lastFinish are `x` and SIGHUP: leave once the service is down,
// with stdin and stdout sent to /dev/null meanwhile; quiet is the same in a
// state that already leaves.
func lastUp(m *machine, _ event) {
	m.state = StateLastUp
	m.toNull()
}

func lastFinish(m *machine, _ event) {
	m.state = StateLastFinish
	m.toNull()
}

func quiet(m *machine, _ event) { m.toNull() }

// stopLast is SIGTERM while up: as `d`, then leave once the service is down.
func stopLast(m *machine, ev event) {
	m.state = StateLastUp
	stop(m, ev)
}

// interruptRun and interruptFinish are SIGINT: pass it to the child's
// process group, then leave at once.
func interruptRun(m *machine, ev event) {
	m.fx.killpg(m.runPid, syscall.SIGINT)
	exit(m, ev)
}

func interruptFinish(m *machine, ev event) {
	m.fx.killpg(m.finPid, syscall.SIGINT)
	exit(m, ev)
}

// ---- helpers of the actions ----

// startRun spawns ./run now (state DOWN). It reports whether run was
// spawned (the status is then written); on failure it only arms the retry.
func (m *machine) startRun() bool {
	m.disarm()
	spec := runSpec{notifyFd: -1, lockFd: -1, gen: m.gen + 1}
	if n, ok := m.readUint("notification-fd"); ok {
		spec.notifyFd = int(n)
	}
	if n, ok := m.readUint("lock-fd"); ok {
		spec.lockFd = int(n)
		if spec.lockFd == spec.notifyFd {
			m.fx.logf("warning", "%s: lock-fd and notification-fd are both %d: not starting the service - waiting 60 seconds", m.dir, n)
			m.arm(timerStart, forkRetry)
			return false
		}
	}
	pid, err := m.fx.startRun(spec)
	if err != nil {
		var se *spawnError
		if errors.As(err, &se) && se.fork {
			m.fx.logf("warning", "unable to spawn %s/run: %v - waiting 60 seconds", m.dir, err)
			m.arm(timerStart, forkRetry)
		} else {
			m.fx.logf("warning", "unable to spawn %s/run: %v - waiting 10 seconds", m.dir, err)
			m.arm(timerStart, spawnRetry)
		}
		return false
	}
	m.gen = spec.gen
	now := m.fx.now()
	m.anchor = now
	m.runStart = now
	m.runPid = pid
	m.state = StateUp
	m.st.PID = uint64(pid)
	m.st.Stamp = tai64n.FromTime(now)
	m.st.Ready, m.st.Paused, m.st.Finishing = false, false, false
	m.write()
	m.fx.notify("u")
	return true
}

// finishDone: the service is down and ready to restart.
func (m *machine) finishDone(permanent bool) {
	now := m.fx.now()
	m.st.PID = 0
	m.st.Finishing = false
	m.st.Ready = true
	m.st.ReadyStamp = tai64n.FromTime(now)
	if permanent {
		m.st.WantUp = false
	}
	m.write()
	if permanent {
		m.fx.notify("OD")
	} else {
		m.fx.notify("D")
	}
	if m.state == StateLastFinish {
		exit(m, event{})
		return
	}
	m.state = StateDown
	if m.st.WantUp {
		wait := m.anchor.Add(throttle).Sub(now)
		if d, ok := m.backoffDelay(); ok {
			m.holdBack(now, max(wait, d))
		} else if wait > 0 {
			m.arm(timerStart, wait)
		} else {
			m.startRun()
		}
	}
}

// backoffDelay counts a death that is followed by a restart and returns the
// delay restart-backoff asks for; ok is false without a valid file, which
// also ends the streak (s6's pacing then).
func (m *machine) backoffDelay() (time.Duration, bool) {
	b, ok := m.readBackoff()
	if !ok {
		m.streak = 0
		return 0, false
	}
	if m.uptime >= b.Reset {
		m.streak = 0 // the last run stayed up long enough
	}
	if m.streak < maxStreak {
		m.streak++
	}
	return b.Delay(m.streak), true
}

// holdBack delays the next start by d (restart-backoff) and publishes when
// it is due in supervise/backoff, for svstat.
func (m *machine) holdBack(now time.Time, d time.Duration) {
	m.arm(timerBackoff, d)
	m.published = true
	m.fx.publishBackoff(status.Backoff{Next: tai64n.FromTime(now.Add(d)), Delay: d})
}

// setPaused sends sig to run (send is kill or killpg) and records paused.
func (m *machine) setPaused(send func(pid int, sig syscall.Signal), sig syscall.Signal, paused bool) {
	send(m.runPid, sig)
	m.st.Paused = paused
	m.write()
}

func (m *machine) toNull() {
	if !m.stdioNull {
		m.stdioNull = true
		m.fx.nullStdio()
	}
}

func (m *machine) mkDown() {
	if err := m.fx.touchDown(); err != nil {
		m.fx.logf("warning", "unable to create %s/down: %v", m.dir, err)
	}
}

func (m *machine) rmDown() {
	if err := m.fx.removeDown(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.fx.logf("warning", "unable to remove %s/down: %v", m.dir, err)
	}
}

// readUint reads a number file of the service directory. Missing → absent;
// no digits or an unreadable file → warning, absent.
func (m *machine) readUint(name string) (uint64, bool) {
	b, err := m.fx.readFile(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to read %s/%s: %v - ignoring it", m.dir, name, err)
		}
		return 0, false
	}
	n, ok := svconf.ParseUint(b)
	if !ok {
		m.fx.logf("warning", "invalid %s/%s: %q does not start with a number - ignoring it", m.dir, name, b)
	}
	return n, ok
}

// readBackoff reads restart-backoff. Missing → no backoff; unreadable or
// invalid → warning, no backoff.
func (m *machine) readBackoff() (svconf.Backoff, bool) {
	raw, err := m.fx.readFile("restart-backoff")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to read %s/restart-backoff: %v - restarting without backoff", m.dir, err)
		}
		return svconf.Backoff{}, false
	}
	b, err := svconf.ParseBackoff(raw)
	if err != nil {
		m.fx.logf("warning", "invalid %s/restart-backoff: %v - restarting without backoff", m.dir, err)
		return svconf.Backoff{}, false
	}
	return b, true
}

// signalFile reads down-signal or reload-signal; def when absent or invalid.
func (m *machine) signalFile(name string, def syscall.Signal) syscall.Signal {
	b, err := m.fx.readFile(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			m.fx.logf("warning", "unable to read %s/%s: %v - using %s", m.dir, name, err, unix.SignalName(def))
		}
		return def
	}
	sig, ok := svconf.ParseSignal(b)
	if !ok {
		m.fx.logf("warning", "invalid %s/%s: %q is not a signal - using %s", m.dir, name, b, unix.SignalName(def))
		return def
	}
	return sig
}

func msDuration(ms uint64) time.Duration {
	if ms > uint64(1<<62)/uint64(time.Millisecond) {
		return 1 << 62
	}
	return time.Duration(ms) * time.Millisecond
}
