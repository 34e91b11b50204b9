package supervise

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/ftrig"
	"s6box/core/status"
	"s6box/test/harness"
)

// real runs a real s6 tool and returns its result.
func realRun(t *testing.T, tool string, args ...string) harness.Result {
	t.Helper()
	cmd := harness.Command(t, harness.RealS6(t, tool), args...)
	return harness.RunCmd(t, long, cmd)
}

func realOK(t *testing.T, tool string, args ...string) string {
	t.Helper()
	r := realRun(t, tool, args...)
	if r.Code != 0 {
		t.Fatalf("%s %q: exit %d, stderr %q", tool, args, r.Code, r.Stderr)
	}
	return r.Stdout
}

var (
	pidRe  = regexp.MustCompile(`pid [0-9]+`)
	secRe  = regexp.MustCompile(`[0-9]+ seconds`)
	numRe  = regexp.MustCompile(`^-?[0-9]+$`)
	tai64  = regexp.MustCompile(`@[0-9a-f]{24}`)
	fields = "up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum"
)

// mask removes what legitimately differs between two supervisors: pids,
// elapsed seconds and stamps. skip lists the positions of such values in a
// field-mode line.
func mask(s string, skip ...int) string {
	s = pidRe.ReplaceAllString(s, "pid P")
	s = secRe.ReplaceAllString(s, "N seconds")
	s = tai64.ReplaceAllString(s, "@STAMP")
	w := strings.Fields(s)
	for _, i := range skip {
		if i < len(w) && numRe.MatchString(w[i]) {
			w[i] = "NUM"
		}
	}
	return strings.Join(w, " ")
}

// svstatViews is what we compare for one service directory.
func svstatViews(t *testing.T, dir string) []string {
	t.Helper()
	var v []string
	for _, c := range []struct {
		args []string
		skip []int // pid, seconds
	}{{nil, nil}, {[]string{"-n"}, nil}, {[]string{"-o", fields}, []int{5}}, {[]string{"-uwNrpest"}, []int{4, 7}}} {
		out := realOK(t, "s6-svstat", append(c.args, dir)...)
		v = append(v, strings.Join(c.args, "")+": "+mask(out, c.skip...))
	}
	s, err := os.ReadFile(filepath.Join(dir, "supervise", "status"))
	if err != nil || len(s) != 35 {
		t.Fatalf("status of %s: %d bytes, %v", dir, len(s), err)
	}
	v = append(v, "wstat+flags: "+string(bytes.ToUpper([]byte(hexOf(s[32:35])))))
	// stamps are TAI64N of the wall clock (2^62 + unix + 37), not in the future
	dec, _ := status.Decode(s)
	for _, stamp := range []time.Time{dec.Stamp.Time(), dec.ReadyStamp.Time()} {
		if stamp.After(time.Now().Add(time.Second)) || stamp.Before(time.Now().Add(-time.Hour)) {
			t.Errorf("%s: stamp %v is not the wall clock of a recent event", dir, stamp)
		}
	}
	return v
}

func hexOf(b []byte) string {
	const h = "0123456789abcdef"
	var s []byte
	for _, c := range b {
		s = append(s, h[c>>4], h[c&15])
	}
	return string(s)
}

type pair struct{ ours, theirs string }

// newPair makes the same service twice, supervised by our supervise and by
// real s6-supervise.
func newPair(t *testing.T, name string, files map[string]string) pair {
	t.Helper()
	realSup := harness.RealS6(t, "s6-supervise")
	var p pair
	for i, prog := range []string{"supervise", realSup} {
		dir := filepath.Join(t.TempDir(), name)
		for f, c := range files {
			mode := os.FileMode(0o644)
			if f == "run" || f == "finish" {
				mode = 0o755
			}
			harness.WriteFile(t, filepath.Join(dir, f), c, mode)
		}
		superviseWith(t, prog, dir)
		if i == 0 {
			p.ours = dir
		} else {
			p.theirs = dir
		}
	}
	return p
}

func (p pair) both(f func(dir string)) { f(p.ours); f(p.theirs) }

func (p pair) compare(t *testing.T, state string) {
	t.Helper()
	o, r := svstatViews(t, p.ours), svstatViews(t, p.theirs)
	for i := range o {
		if o[i] != r[i] {
			t.Errorf("%s: ours %q\n     real s6-supervise %q", state, o[i], r[i])
		}
	}
}

func svcOK(t *testing.T, args ...string) {
	t.Helper()
	realOK(t, "s6-svc", args...)
}

const sleeper = "#!/bin/sh\nexec sleep 1000\n"

func TestCompatSvstatStates(t *testing.T) {
	t.Run("never started", func(t *testing.T) {
		p := newPair(t, "ns", map[string]string{"run": sleeper, "down": ""})
		p.compare(t, "never started")
	})
	t.Run("up, paused, want down", func(t *testing.T) {
		p := newPair(t, "up", map[string]string{"run": sleeper, "down": ""})
		p.both(func(d string) { svcOK(t, "-wu", "-u", d) })
		p.compare(t, "up")
		p.both(func(d string) {
			svcOK(t, "-p", d)
			waitStatus(t, d, "paused", func(s status.Status) bool { return s.Paused })
		})
		p.compare(t, "paused")
		p.both(func(d string) {
			svcOK(t, "-c", "-o", d)
			waitStatus(t, d, "want down", func(s status.Status) bool { return !s.WantUp && !s.Paused })
		})
		p.compare(t, "up, want down")
		p.both(func(d string) { svcOK(t, "-wD", "-d", d) })
		p.compare(t, "down after SIGTERM")
	})
	t.Run("up and ready", func(t *testing.T) {
		p := newPair(t, "rdy", map[string]string{"run": "#!/bin/sh\necho >&3\nexec sleep 1000\n", "notification-fd": "3\n", "down": ""})
		p.both(func(d string) { svcOK(t, "-wU", "-u", d) })
		p.compare(t, "up and ready")
		p.both(func(d string) { svcOK(t, "-wD", "-k", "-d", d) })
		p.compare(t, "down after SIGKILL")
	})
	t.Run("finishing", func(t *testing.T) {
		p := newPair(t, "fin", map[string]string{"run": sleeper, "finish": "#!/bin/sh\nexec sleep 1000\n", "timeout-finish": "0\n"})
		p.both(func(d string) {
			svcOK(t, "-wu", d)
			svcOK(t, "-wd", "-d", d)
			waitStatus(t, d, "finishing", func(s status.Status) bool { return s.Finishing })
		})
		p.compare(t, "finishing")
	})
	t.Run("exit 3", func(t *testing.T) {
		p := newPair(t, "e3", map[string]string{"run": "#!/bin/sh\nexit 3\n", "down": ""})
		// -wD is already satisfied by a service that was never started (down
		// and ready), so s6-svc may return before `o` ran: wait for the
		// outcome itself.
		p.both(func(d string) {
			svcOK(t, "-wD", "-o", d)
			waitStatus(t, d, "exit 3 recorded and finish done", func(s status.Status) bool {
				return s.PID == 0 && !s.Finishing && s.Wstat == 3<<8 && s.Ready
			})
		})
		p.compare(t, "down after exit 3, once")
	})
}

func TestCompatSvcWaits(t *testing.T) {
	dir := svc(t, "w", "exec sleep 1000", "")
	file(t, dir, "down", "")
	supervise(t, dir)
	svcOK(t, "-wu", "-u", dir)
	svcOK(t, "-wd", "-d", dir)
	svcOK(t, "-wu", "-u", dir)
	svcOK(t, "-wD", "-d", dir)
	svcOK(t, "-u", dir)
	// -u returns before the supervisor acts on it; -wr must start from "up",
	// or it is satisfied by the `u` of -u and the `r` lands afterwards.
	waitStatus(t, dir, "up after -u", func(s status.Status) bool { return s.Up() })
	svcOK(t, "-wr", "-r", dir) // restarted: down then up again
	if r := realRun(t, "s6-svc", "-T", "300", "-wD", dir); r.Code != 99 {
		t.Fatalf("s6-svc -T 300 -wD on an up service: exit %d, want 99 (timeout)", r.Code)
	}

	// readiness through notification-fd
	nd := svc(t, "wn", `sleep 0.2; echo >&3; exec sleep 1000`, "")
	file(t, nd, "notification-fd", "3\n")
	file(t, nd, "down", "")
	supervise(t, nd)
	svcOK(t, "-wU", "-u", nd)
	if s := st(t, nd); !s.Ready || !s.Up() {
		t.Fatalf("after -wU: %+v", s)
	}
	svcOK(t, "-wR", "-r", nd)

	// never ready: -wU times out
	nn := svc(t, "wnn", `exec sleep 1000`, "")
	file(t, nn, "notification-fd", "3\n")
	file(t, nn, "down", "")
	supervise(t, nn)
	if r := realRun(t, "s6-svc", "-T", "500", "-wU", "-u", nn); r.Code != 99 {
		t.Fatalf("-wU on a service that never notifies: exit %d", r.Code)
	}
}

// waitSubscribed waits until a listener fifo exists in DIR/event (or the
// waiter already exited, its condition being true from the start).
func waitSubscribed(t *testing.T, dir string, p *harness.Proc) {
	t.Helper()
	harness.Eventually(t, long, "a listener in "+dir+"/event", func() bool {
		if p.Exited() {
			return true
		}
		ents, _ := os.ReadDir(filepath.Join(dir, "event"))
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "ftrig1:@") {
				return true
			}
		}
		return false
	})
}

func TestCompatSvwait(t *testing.T) {
	dir := svc(t, "sw", "sleep 0.3; echo >&3; exec sleep 1000", "")
	file(t, dir, "notification-fd", "3\n")
	file(t, dir, "down", "")
	supervise(t, dir)
	wait := func(opt string, act func()) {
		t.Helper()
		cmd := harness.Command(t, harness.RealS6(t, "s6-svwait"), opt, "-t", "20000", dir)
		p := harness.Start(t, cmd)
		waitSubscribed(t, dir, p)
		act()
		if code, ok := p.Wait(long); !ok || code != 0 {
			t.Fatalf("s6-svwait %s: exit %d %v, stderr %q", opt, code, ok, p.Stderr.String())
		}
	}
	wait("-u", func() { ctl(t, dir, "u") })
	wait("-U", func() {})
	wait("-d", func() { ctl(t, dir, "d") })
	wait("-D", func() {})

	// finish exit 125: a waiter for up counts a failure
	pd := svc(t, "sw125", "exit 1", "exit 125")
	file(t, pd, "down", "")
	supervise(t, pd)
	cmd := harness.Command(t, harness.RealS6(t, "s6-svwait"), "-U", "-t", "20000", pd)
	p := harness.Start(t, cmd)
	waitSubscribed(t, pd, p)
	ctl(t, pd, "u")
	if code, ok := p.Wait(long); !ok || code != 1 {
		t.Fatalf("s6-svwait -U on a service whose finish exits 125: exit %d %v", code, ok)
	}
}

func TestCompatSvokSvdtAndNotListening(t *testing.T) {
	p := newPair(t, "ok", map[string]string{"run": sleeper, "max-death-tally": "2\n"})
	p.both(func(d string) {
		if r := realRun(t, "s6-svok", d); r.Code != 0 {
			t.Fatalf("s6-svok on a supervised dir: %d", r.Code)
		}
		svcOK(t, "-wu", d)
		for i := 0; i < 2; i++ {
			svcOK(t, "-wR", "-k", d)
		}
		svcOK(t, "-wD", "-d", d)
	})
	o := mask(realOK(t, "s6-svdt", p.ours))
	r := mask(realOK(t, "s6-svdt", p.theirs))
	// three deaths, max-death-tally 2: the last SIGKILL and the SIGTERM
	if o != r || strings.Count(o, "signal SIGKILL") != 1 || !strings.HasSuffix(o, "signal SIGTERM") {
		t.Fatalf("s6-svdt: ours %q, real %q", o, r)
	}
	p.both(func(d string) {
		svcOK(t, "-x", d)
		harness.Eventually(t, long, "supervisor gone", func() bool { return realRun(t, "s6-svok", d).Code == 1 })
		if r := realRun(t, "s6-svc", "-u", d); r.Code != 100 || !strings.Contains(r.Stderr, "supervisor not listening") {
			t.Fatalf("s6-svc after x: %d %q", r.Code, r.Stderr)
		}
	})
}

// A raw listener fifo (named as s6's ftrig protocol wants) sees the same
// byte sequence from our supervise as from real s6-supervise.
func TestCompatRawEvents(t *testing.T) {
	realSup := harness.RealS6(t, "s6-supervise")
	var got []string
	for _, prog := range []string{"supervise", realSup} {
		dir := svc(t, "raw", "echo >&3; exec sleep 1000", "")
		file(t, dir, "notification-fd", "3\n")
		ev := filepath.Join(dir, "event")
		if err := ftrig.MakeFifodir(ev, false, false); err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(ev, "ftrig1:@400000000000000000000000:abcdef")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		superviseWith(t, prog, dir)
		waitStatus(t, dir, "ready", func(s status.Status) bool { return s.Up() && s.Ready })
		svcOK(t, "-wD", "-d", dir)
		svcOK(t, "-x", dir)
		harness.Eventually(t, long, "supervisor gone", func() bool { return realRun(t, "s6-svok", dir).Code == 1 })
		f.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, _ := f.Read(buf)
		got = append(got, string(buf[:n]))
	}
	if got[0] != "suUdDx" || got[1] != got[0] {
		t.Fatalf("raw events: ours %q, real s6-supervise %q", got[0], got[1])
	}
}
