// Package supervise tests the supervise applet (s6-supervise) through the
// built binary: the service directory contract, the control fifo, the event
// fifodir, and compatibility with the real s6 clients.
package supervise

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/ftrig"
	"s6box/core/lock"
	"s6box/core/status"
	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

const long = 30 * time.Second

// svc creates a service directory NAME under a temp dir with a run script
// (and an optional finish script).
func svc(t *testing.T, name, run, finish string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	harness.WriteFile(t, filepath.Join(dir, "run"), "#!/bin/sh\n"+run+"\n", 0o755)
	if finish != "" {
		harness.WriteFile(t, filepath.Join(dir, "finish"), "#!/bin/sh\n"+finish+"\n", 0o755)
	}
	return dir
}

func file(t *testing.T, dir, name, content string) {
	t.Helper()
	harness.WriteFile(t, filepath.Join(dir, name), content, 0o644)
}

// supervise starts our supervise on dir (given relative to its parent, as
// s6-svscan does, so SERVICENAME is the base name).
func supervise(t *testing.T, dir string) *harness.Proc {
	t.Helper()
	return superviseWith(t, "supervise", dir)
}

func superviseWith(t *testing.T, prog, dir string) *harness.Proc {
	t.Helper()
	cmd := harness.Command(t, prog, filepath.Base(dir))
	cmd.Dir = filepath.Dir(dir)
	p := harness.Start(t, cmd)
	harness.Eventually(t, long, "supervise/status of "+dir, func() bool {
		_, err := status.Read(dir)
		return err == nil
	})
	t.Cleanup(func() {
		// kill what is still recorded as running (run or finish), by group
		if st, err := status.Read(dir); err == nil && st.PID != 0 {
			syscall.Kill(-int(st.PID), syscall.SIGKILL)
		}
	})
	return p
}

func st(t *testing.T, dir string) status.Status {
	t.Helper()
	s, err := status.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitStatus(t *testing.T, dir, what string, cond func(status.Status) bool) status.Status {
	t.Helper()
	var last status.Status
	harness.Eventually(t, long, what, func() bool {
		s, err := status.Read(dir)
		last = s
		return err == nil && cond(s)
	})
	return last
}

func ctl(t *testing.T, dir, bytes string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "supervise", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("open control: %v", err)
	}
	defer f.Close()
	if _, err := f.WriteString(bytes); err != nil {
		t.Fatal(err)
	}
}

func readLines(t *testing.T, p string) []string {
	b, _ := os.ReadFile(p)
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func waitLines(t *testing.T, p string, n int) []string {
	t.Helper()
	var l []string
	harness.Eventually(t, long, fmt.Sprintf("%d lines in %s", n, p), func() bool {
		l = readLines(t, p)
		return len(l) >= n
	})
	return l
}

// events subscribes to DIR/event and returns a function that collects
// bytes until want is a suffix of what was read.
func events(t *testing.T, dir string) func(want string) string {
	t.Helper()
	if err := ftrig.MakeFifodir(filepath.Join(dir, "event"), false, false); err != nil {
		t.Fatal(err)
	}
	l, err := ftrig.Subscribe(filepath.Join(dir, "event"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var got []byte
	return func(want string) string {
		t.Helper()
		l.SetDeadline(time.Now().Add(long))
		buf := make([]byte, 64)
		for !strings.HasSuffix(string(got), want) {
			n, err := l.Read(buf)
			if err != nil {
				t.Fatalf("waiting for events %q, got %q: %v", want, got, err)
			}
			got = append(got, buf[:n]...)
		}
		return string(got)
	}
}

// cpuTicks is utime+stime of a process, in clock ticks.
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

func TestRunAndFinishArgs(t *testing.T) {
	dir := svc(t, "my svc", `echo "$#|$0|$1|$(pwd)|$(ps -o sid= -p $$ | tr -d ' ')|$$" >> args; exec sleep 1000`,
		`echo "$#|$1|$2|$3" >> fargs; exit 0`)
	supervise(t, dir)
	lines := waitLines(t, filepath.Join(dir, "args"), 1)
	f := strings.Split(lines[0], "|")
	if f[0] != "1" || f[1] != "./run" || f[2] != "my svc" || f[3] != dir || f[4] != f[5] {
		t.Fatalf("run saw %q (want argc 1, $0 ./run, $1 'my svc', cwd %s, own session)", lines[0], dir)
	}
	ctl(t, dir, "k")
	waitLines(t, filepath.Join(dir, "args"), 2)
	ctl(t, dir, "d")
	waitStatus(t, dir, "down and ready", func(s status.Status) bool { return s.PID == 0 && s.Ready })
	fl := readLines(t, filepath.Join(dir, "fargs"))
	if len(fl) != 2 || fl[0] != "3|256|9|my svc" || fl[1] != "3|256|15|my svc" {
		t.Fatalf("finish args %q", fl)
	}
	// exit code path
	file(t, dir, "run", "#!/bin/sh\nexit 3\n")
	os.Chmod(filepath.Join(dir, "run"), 0o755)
	ctl(t, dir, "o")
	waitLines(t, filepath.Join(dir, "fargs"), 3)
	if fl := readLines(t, filepath.Join(dir, "fargs")); fl[2] != "3|3|0|my svc" {
		t.Fatalf("finish args after exit 3: %q", fl[2])
	}
}

func TestModesAndLayout(t *testing.T) {
	dir := svc(t, "m", "exec sleep 1000", "")
	supervise(t, dir)
	for name, want := range map[string]os.FileMode{
		"supervise":         os.ModeDir | 0o700,
		"supervise/control": os.ModeNamedPipe | 0o600,
		"supervise/lock":    0o644,
		"supervise/status":  0o644,
		"event":             os.ModeDir | os.ModeSetgid | os.ModeSticky | 0o730,
	} {
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
}

func TestPacing(t *testing.T) {
	// A crash loop: successive starts at least 1 s apart.
	dir := svc(t, "crash", `date +%s.%N >> starts; exit 1`, "")
	supervise(t, dir)
	lines := waitLines(t, filepath.Join(dir, "starts"), 4)
	ctl(t, dir, "d")
	// The stamps are taken by the run script, so each carries the jitter of
	// a shell start: bound each gap loosely and the sum tightly.
	var firstStart, prev float64
	for i, l := range lines[:4] {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			firstStart = v
		} else if v-prev < 0.8 {
			t.Fatalf("starts %d and %d only %.3f s apart: %q", i-1, i, v-prev, lines)
		}
		prev = v
	}
	if prev-firstStart < 2.9 {
		t.Fatalf("4 starts within %.3f s, want ≥ 3 s minus jitter: %q", prev-firstStart, lines)
	}

	// A daemon that ran more than 1 s restarts at once after SIGKILL: the
	// supervisor's own stamps (death in death_tally, spawn in status) are
	// much closer than the 1 s s6 2.11 would wait.
	dir = svc(t, "long", "exec sleep 1000", "")
	supervise(t, dir)
	first := waitStatus(t, dir, "up", func(s status.Status) bool { return s.Up() })
	time.Sleep(1200 * time.Millisecond)
	ctl(t, dir, "k")
	second := waitStatus(t, dir, "restarted", func(s status.Status) bool { return s.Up() && s.PID != first.PID })
	ds, err := status.ReadDeaths(dir)
	if err != nil || len(ds) != 1 {
		t.Fatalf("death tally %v %v", ds, err)
	}
	if gap := second.Stamp.Sub(ds[0].Stamp); gap > 900*time.Millisecond {
		t.Fatalf("restart after %v; the daemon had run > 1 s so no throttle applies", gap)
	}
}

func TestDownFileAndCommands(t *testing.T) {
	dir := svc(t, "d", "exec sleep 1000", "")
	file(t, dir, "down", "")
	p := supervise(t, dir)
	s := st(t, dir)
	if s.PID != 0 || s.WantUp || !s.Ready {
		t.Fatalf("with down file: %+v", s)
	}
	ev := events(t, dir)
	ctl(t, dir, "U")
	ev("u")
	if _, err := os.Stat(filepath.Join(dir, "down")); !os.IsNotExist(err) {
		t.Fatal("U kept the down file")
	}
	ctl(t, dir, "D")
	ev("dD")
	if _, err := os.Stat(filepath.Join(dir, "down")); err != nil {
		t.Fatal("D did not create the down file")
	}
	ctl(t, dir, "u")
	ev("u")
	ctl(t, dir, "Q")
	waitStatus(t, dir, "Q: want down, still up", func(s status.Status) bool { return !s.WantUp && s.Up() })
	os.Remove(filepath.Join(dir, "down"))
	ctl(t, dir, "u")
	ctl(t, dir, "O")
	waitStatus(t, dir, "O: want down, still up", func(s status.Status) bool { return !s.WantUp && s.Up() })
	ctl(t, dir, "d")
	ev("dD")
	ctl(t, dir, "o") // runs once
	ev("u")
	if s := st(t, dir); s.WantUp || !s.Up() {
		t.Fatalf("after o: %+v", s)
	}
	ctl(t, dir, "k")
	ev("dD")
	time.Sleep(1500 * time.Millisecond) // beyond the throttle: must stay down
	if s := st(t, dir); s.PID != 0 {
		t.Fatalf("o restarted the service: %+v", s)
	}
	ctl(t, dir, "x")
	ev("x")
	if code, ok := p.Wait(long); !ok || code != 0 {
		t.Fatalf("supervise after x: %d %v", code, ok)
	}
}

func TestSignalBytes(t *testing.T) {
	dir := svc(t, "sigs", `for s in ALRM ABRT QUIT HUP INT USR1 USR2 WINCH TERM CONT; do trap "echo $s >> got" $s; done
echo start >> got
while :; do sleep 0.05; done`, "")
	file(t, dir, "reload-signal", "USR2\n")
	supervise(t, dir)
	waitLines(t, filepath.Join(dir, "got"), 1)
	want := []string{"start"}
	for _, c := range []struct{ b, sig string }{
		{"a", "ALRM"}, {"b", "ABRT"}, {"q", "QUIT"}, {"h", "HUP"}, {"i", "INT"}, {"1", "USR1"},
		{"2", "USR2"}, {"y", "WINCH"}, {"t", "TERM"}, {"r", "TERM"}, {"l", "USR2"},
	} {
		ctl(t, dir, c.b)
		want = append(want, c.sig)
		got := waitLines(t, filepath.Join(dir, "got"), len(want))
		if got[len(want)-1] != c.sig {
			t.Fatalf("byte %q: shell saw %q", c.b, got)
		}
	}
	ctl(t, dir, "p")
	waitStatus(t, dir, "paused", func(s status.Status) bool { return s.Paused })
	// SIGSTOP takes effect asynchronously: the status may be written first.
	pausedPid := int(st(t, dir).PID)
	harness.Eventually(t, 10*time.Second, "the paused process to be stopped (T)", func() bool {
		return procState(t, pausedPid) == "T"
	})
	ctl(t, dir, "c")
	waitStatus(t, dir, "resumed", func(s status.Status) bool { return !s.Paused })
	ctl(t, dir, "P")
	waitStatus(t, dir, "paused (group)", func(s status.Status) bool { return s.Paused })
	ctl(t, dir, "C")
	waitStatus(t, dir, "resumed (group)", func(s status.Status) bool { return !s.Paused })
	pid := st(t, dir).PID
	ctl(t, dir, "K")
	s := waitStatus(t, dir, "killed by group", func(s status.Status) bool { return s.PID != pid && s.Up() })
	ds, _ := status.ReadDeaths(dir)
	if len(ds) != 1 || ds[0].Sig != 9 {
		t.Fatalf("K: deaths %+v, status %+v", ds, s)
	}
}

func procState(t *testing.T, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))[0]
}

func TestReadiness(t *testing.T) {
	dir := svc(t, "n", `printf 'junk'; sleep 0.3; echo >&3; exec sleep 1000`, "")
	file(t, dir, "notification-fd", "3\n")
	ev := events(t, dir)
	supervise(t, dir)
	ev("uU")
	s := st(t, dir)
	if !s.Up() || !s.Ready || s.ReadyStamp.Sub(s.Stamp) < 250*time.Millisecond {
		t.Fatalf("readiness: %+v", s)
	}
	ctl(t, dir, "k")
	ev("dD")
	ev("uU")
}

func TestTimeoutKillAndFinish(t *testing.T) {
	dir := svc(t, "tk", `trap '' TERM; echo up > up; while :; do sleep 0.05; done`, `exec sleep 1000`)
	file(t, dir, "timeout-kill", "300\n")
	file(t, dir, "timeout-finish", "300\n")
	ev := events(t, dir)
	supervise(t, dir)
	waitLines(t, filepath.Join(dir, "up"), 1)
	ctl(t, dir, "d")
	ev("dD")
	s := st(t, dir)
	if !s.Signaled() || s.Signal() != 9 || s.PID != 0 || !s.Ready {
		t.Fatalf("after timeout-kill and timeout-finish: %+v", s)
	}
}

func TestFinish125AndDeathTally(t *testing.T) {
	dir := svc(t, "p", `exit 2`, `[ -e count ] && exit 125; touch count; exit 0`)
	file(t, dir, "max-death-tally", "1\n")
	ev := events(t, dir)
	supervise(t, dir)
	ev("udDudOD")
	time.Sleep(1200 * time.Millisecond)
	s := st(t, dir)
	if s.WantUp || s.PID != 0 || s.ExitCode() != 2 {
		t.Fatalf("after exit 125: %+v", s)
	}
	ds, _ := status.ReadDeaths(dir)
	if len(ds) != 1 || ds[0].Code != 2 {
		t.Fatalf("max-death-tally 1: %+v", ds)
	}
}

func TestLockRefusal(t *testing.T) {
	dir := svc(t, "l", "exec sleep 1000", "")
	supervise(t, dir)
	cmd := harness.Command(t, "s6-supervise", filepath.Base(dir))
	cmd.Dir = filepath.Dir(dir)
	r := harness.RunCmd(t, long, cmd)
	if r.Code != 100 || !strings.Contains(r.Stderr, "s6-supervise: fatal: another instance of supervise is already running on l") {
		t.Fatalf("second supervise: %d %q", r.Code, r.Stderr)
	}
}

func TestHostSignals(t *testing.T) {
	for _, c := range []struct {
		sig      syscall.Signal
		wantDown bool // the service was stopped before the supervisor exited
	}{{syscall.SIGTERM, true}, {syscall.SIGQUIT, false}, {syscall.SIGINT, true}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := svc(t, "h", "exec sleep 1000", "")
			p := supervise(t, dir)
			s := waitStatus(t, dir, "up", func(s status.Status) bool { return s.Up() })
			p.Signal(c.sig)
			if !c.wantDown {
				// the service keeps our stderr pipe open: check it is
				// alive once the supervisor let go of its lock, then stop it
				harness.Eventually(t, long, "supervisor gone", func() bool {
					held, _ := lock.IsLocked(filepath.Join(dir, "supervise", "lock"))
					return !held
				})
				if syscall.Kill(int(s.PID), 0) != nil {
					t.Fatal("SIGQUIT must leave the service running")
				}
				syscall.Kill(int(s.PID), syscall.SIGKILL)
			}
			if code, ok := p.Wait(long); !ok || code != 0 {
				t.Fatalf("exit %d %v", code, ok)
			}
			if c.wantDown {
				harness.Eventually(t, long, "service gone", func() bool { return syscall.Kill(int(s.PID), 0) != nil })
			}
		})
	}
	// SIGHUP while down: exit at once
	dir := svc(t, "h2", "exec sleep 1000", "")
	file(t, dir, "down", "")
	p := supervise(t, dir)
	p.Signal(syscall.SIGHUP)
	if code, ok := p.Wait(long); !ok || code != 0 {
		t.Fatalf("SIGHUP while down: %d %v", code, ok)
	}
}

func TestBadInput(t *testing.T) {
	t.Run("usage", func(t *testing.T) {
		r := harness.Run(t, "supervise")
		if r.Code != 100 || !strings.Contains(r.Stderr, "usage") {
			t.Fatalf("%d %q", r.Code, r.Stderr)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		r := harness.Run(t, "supervise", "/nonexistent/x")
		if r.Code != 111 || !strings.Contains(r.Stderr, "supervise: fatal: ") || !strings.Contains(r.Stderr, "/nonexistent/x") {
			t.Fatalf("%d %q", r.Code, r.Stderr)
		}
	})
	t.Run("dir is a file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		harness.WriteFile(t, f, "", 0o644)
		r := harness.Run(t, "supervise", f)
		if r.Code != 111 || !strings.Contains(r.Stderr, f) || !strings.Contains(r.Stderr, ": Not a directory") {
			t.Fatalf("%d %q", r.Code, r.Stderr)
		}
	})
	t.Run("supervise is a file", func(t *testing.T) {
		dir := svc(t, "sf", "exec sleep 1000", "")
		harness.WriteFile(t, filepath.Join(dir, "supervise"), "", 0o644)
		r := harness.Run(t, "supervise", dir)
		if r.Code != 100 || !strings.Contains(r.Stderr, filepath.Join(dir, "supervise")+" is not a directory") {
			t.Fatalf("%d %q", r.Code, r.Stderr)
		}
	})
	t.Run("supervise/lock unusable", func(t *testing.T) {
		dir := svc(t, "lk", "exec sleep 1000", "")
		os.MkdirAll(filepath.Join(dir, "supervise", "lock"), 0o700)
		r := harness.Run(t, "supervise", dir)
		if r.Code != 111 || !strings.Contains(r.Stderr, "supervise: fatal: unable to open "+filepath.Join(dir, "supervise", "lock")) {
			t.Fatalf("%d %q", r.Code, r.Stderr)
		}
	})
	t.Run("huge notification-fd", func(t *testing.T) {
		dir := svc(t, "nfd", "exec sleep 1000", "")
		file(t, dir, "notification-fd", "99999999999\n")
		p := supervise(t, dir)
		harness.Eventually(t, long, "warning", func() bool {
			return strings.Contains(p.Stderr.String(), "notification-fd 99999999999 is not below the descriptor limit")
		})
		if s := st(t, dir); s.PID != 0 {
			t.Fatalf("started anyway: %+v", s)
		}
	})
	for _, c := range []struct{ name, mode string }{{"run missing", ""}, {"run not executable", "0644"}} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bad run")
			os.Mkdir(dir, 0o755)
			if c.mode != "" {
				harness.WriteFile(t, filepath.Join(dir, "run"), "#!/bin/sh\nexit 0\n", 0o644)
			}
			p := supervise(t, dir)
			harness.Eventually(t, long, "warning", func() bool {
				return strings.Contains(p.Stderr.String(), "supervise: warning: unable to spawn bad run/run")
			})
			// garbage on the control fifo is ignored too
			ctl(t, dir, "XZ\x00\xff sv")
			time.Sleep(1 * time.Second)
			s := st(t, dir)
			if s.PID != 0 || !s.WantUp {
				t.Fatalf("status %+v", s)
			}
			if ticks := cpuTicks(t, p.Pid()); ticks > 50 {
				t.Fatalf("supervise used %d ticks of CPU while waiting to retry", ticks)
			}
			if strings.Count(p.Stderr.String(), "unable to spawn") != 1 {
				t.Fatalf("retried too early: %q", p.Stderr.String())
			}
			ctl(t, dir, "x")
			if code, ok := p.Wait(long); !ok || code != 0 {
				t.Fatalf("exit %d %v", code, ok)
			}
		})
	}
	t.Run("invalid config files", func(t *testing.T) {
		dir := svc(t, "cfg", "exec sleep 1000", "")
		file(t, dir, "down-signal", "NOTASIG\n")
		file(t, dir, "timeout-kill", "soon\n")
		p := supervise(t, dir)
		waitStatus(t, dir, "up", func(s status.Status) bool { return s.Up() })
		ctl(t, dir, "d")
		s := waitStatus(t, dir, "down", func(s status.Status) bool { return s.PID == 0 })
		if s.Signal() != int(syscall.SIGTERM) {
			t.Fatalf("fallback signal: %+v", s)
		}
		e := p.Stderr.String()
		if !strings.Contains(e, "warning: invalid cfg/down-signal") || !strings.Contains(e, "warning: invalid cfg/timeout-kill") {
			t.Fatalf("stderr %q", e)
		}
	})
	t.Run("hanging finish, idle CPU", func(t *testing.T) {
		dir := svc(t, "hf", "exit 0", "exec sleep 1000")
		file(t, dir, "timeout-finish", "0\n")
		p := supervise(t, dir)
		waitStatus(t, dir, "finishing", func(s status.Status) bool { return s.Finishing })
		time.Sleep(1 * time.Second)
		if ticks := cpuTicks(t, p.Pid()); ticks > 50 {
			t.Fatalf("supervise used %d ticks while finish hangs", ticks)
		}
		s := st(t, dir)
		if s.Up() || !s.WantUp || s.Ready {
			t.Fatalf("status during finish %+v", s)
		}
	})
}

// `x` while up: the supervisor lets go of its stdin/stdout (a logger pipe
// under a scanner) at once, and exits once the service is down.
func TestXReleasesStdio(t *testing.T) {
	dir := svc(t, "xs", "exec sleep 1000", "")
	p := supervise(t, dir)
	s := waitStatus(t, dir, "up", func(s status.Status) bool { return s.Up() })
	ctl(t, dir, "x")
	for _, fd := range []string{"0", "1"} {
		harness.Eventually(t, long, "fd "+fd+" on /dev/null", func() bool {
			l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", p.Pid(), fd))
			return l == "/dev/null"
		})
	}
	if p.Exited() {
		t.Fatal("supervise exited while the service is still up")
	}
	syscall.Kill(int(s.PID), syscall.SIGKILL)
	if code, ok := p.Wait(long); !ok || code != 0 {
		t.Fatalf("exit %d %v", code, ok)
	}
}

// Daemons start with no signal ignored that the caller did not ignore:
// in particular SIGPIPE, which the supervisor itself must survive.
func TestChildSignalDispositions(t *testing.T) {
	dir := svc(t, "sd", `grep SigIgn /proc/self/status > sigign; exec sleep 1000`, "")
	supervise(t, dir)
	l := waitLines(t, filepath.Join(dir, "sigign"), 1)
	f := strings.Fields(l[0])
	mask, err := strconv.ParseUint(f[len(f)-1], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	if mask&(1<<(syscall.SIGPIPE-1)) != 0 {
		t.Fatalf("run starts with SIGPIPE ignored: %s", l[0])
	}
}

// A warning written to a closed stderr pipe does not kill the supervisor.
func TestBrokenStderr(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bs")
	os.Mkdir(dir, 0o755) // no run: every start attempt warns
	file(t, dir, "down", "")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := harness.Command(t, "supervise", dir)
	cmd.Stderr = w
	p := harness.Start(t, cmd)
	w.Close()
	harness.Eventually(t, long, "status", func() bool { _, err := status.Read(dir); return err == nil })
	ctl(t, dir, "u")
	time.Sleep(300 * time.Millisecond)
	if p.Exited() {
		t.Fatal("supervise died writing a warning to a broken pipe")
	}
	ctl(t, dir, "dx")
	if code, ok := p.Wait(long); !ok || code != 0 {
		t.Fatalf("exit %d %v", code, ok)
	}
}

// Go raises its own RLIMIT_NOFILE soft limit; daemons must get the one the
// supervisor was started with (DESIGN §3).
func TestChildKeepsNofileLimit(t *testing.T) {
	dir := svc(t, "rl", `ulimit -Sn > nofile; exec sleep 1000`, "")
	cmd := harness.Command(t, "/bin/sh", "-c", `ulimit -Sn 517 && exec "$0" "$1"`, harness.Path(t, "supervise"), dir)
	p := harness.Start(t, cmd)
	l := waitLines(t, filepath.Join(dir, "nofile"), 1)
	if l[0] != "517" {
		t.Fatalf("run got soft RLIMIT_NOFILE %s, want 517", l[0])
	}
	ctl(t, dir, "dx")
	if code, ok := p.Wait(long); !ok || code != 0 {
		t.Fatalf("exit %d %v", code, ok)
	}
}
