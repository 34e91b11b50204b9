package loghost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/reaper"
	"s6box/logger"
	"s6box/logger/script"
	"s6box/test/harness"
)

// processSpawner stands for the scanner's spawner: it records what would
// have been run as a process.
type processSpawner struct{ paths []string }

var errNoProcess = errors.New("no processes in this test")

func (p *processSpawner) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	p.paths = append(p.paths, path)
	return 0, nil, errNoProcess
}

// fixture is one log service with a pipe, hosted by h.
type fixture struct {
	svc, logdir string
	r, w        *os.File
	null        *os.File
	er, ew      *os.File // the logger's stderr
	base        *processSpawner
	sp          interface {
		Spawn(string, []string, *syscall.ProcAttr) (int, <-chan reaper.Exit, error)
		SignalChild(int, syscall.Signal) bool
	}
}

// planFor plans "s6-log n3 LOGDIR" for every directory with a file named
// "plain", and a logger with no script (it panics) for one named "broken".
func planFor(logdir func(dir string) string) Planner {
	return func(dir, abs string, env []string) (*Plan, error) {
		if _, err := os.Stat(filepath.Join(dir, "broken")); err == nil {
			return &Plan{StderrFd: 2, Config: logger.Config{Prog: "s6-log", NotifyFd: -1}}, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "plain")); err != nil {
			return nil, nil
		}
		sc, err := script.Parse([]string{"n3", logdir(abs)})
		if err != nil {
			return nil, err
		}
		return &Plan{StderrFd: 2, Config: logger.Config{
			Prog: "s6-log", Script: sc, LineMax: 8192, StopWait: 2 * time.Second,
			NotifyFd: -1, Verbosity: 2, Perm: 0o644,
		}}, nil
	}
}

func newFixture(t *testing.T, h *Host, marker string) *fixture {
	t.Helper()
	f := &fixture{svc: t.TempDir(), base: &processSpawner{}}
	f.logdir = filepath.Join(f.svc, "logdir")
	if marker != "" {
		harness.WriteFile(t, filepath.Join(f.svc, marker), "", 0o644)
	}
	var err error
	if f.r, f.w, err = os.Pipe(); err != nil {
		t.Fatal(err)
	}
	if f.null, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
		t.Fatal(err)
	}
	if f.er, f.ew, err = os.Pipe(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.r.Close(); f.w.Close(); f.null.Close(); f.er.Close(); f.ew.Close() })
	f.sp = h.ForLogger("svc/log", f.base).(*slot)
	return f
}

func (f *fixture) spawn(t *testing.T, env ...string) (int, <-chan reaper.Exit, error) {
	t.Helper()
	return f.sp.Spawn("./run", []string{"run", "svc/log"}, &syscall.ProcAttr{
		Dir: f.svc, Env: env, Files: []uintptr{f.r.Fd(), f.null.Fd(), f.ew.Fd()},
	})
}

func (f *fixture) current() string {
	b, _ := os.ReadFile(filepath.Join(f.logdir, "current"))
	return string(b)
}

func waitExit(t *testing.T, exit <-chan reaper.Exit) syscall.WaitStatus {
	t.Helper()
	select {
	case e := <-exit:
		if e.Pid != os.Getpid() {
			t.Errorf("exit of pid %d, want the host's %d", e.Pid, os.Getpid())
		}
		return e.Status
	case <-time.After(30 * time.Second):
		t.Fatal("the hosted logger did not end")
		return 0
	}
}

func newHost() *Host {
	return &Host{Plan: planFor(func(abs string) string { return filepath.Join(abs, "logdir") })}
}

// TestHostedSignals: a hosted logger answers the supervisor's signals as an
// s6-log process would, and its exit is a wait status.
func TestHostedSignals(t *testing.T) {
	f := newFixture(t, newHost(), "plain")
	pid, exit, err := f.spawn(t)
	if err != nil || pid != os.Getpid() || len(f.base.paths) != 0 {
		t.Fatalf("spawn: pid %d err %v, process spawns %v", pid, err, f.base.paths)
	}
	if f.sp.SignalChild(pid+1, syscall.SIGTERM) {
		t.Fatal("SignalChild took another pid")
	}
	f.w.WriteString("one\n")
	harness.Eventually(t, 30*time.Second, "the first line logged", func() bool { return f.current() == "one\n" })
	f.sp.SignalChild(pid, syscall.SIGALRM)
	harness.Eventually(t, 30*time.Second, "a rotation", func() bool {
		m, _ := filepath.Glob(filepath.Join(f.logdir, "@*.s"))
		return len(m) == 1
	})
	f.sp.SignalChild(pid, syscall.SIGSTOP)
	f.w.WriteString("two\npar")
	f.sp.SignalChild(pid, syscall.SIGCONT)
	harness.Eventually(t, 30*time.Second, "the line after the pause", func() bool { return f.current() == "two\n" })
	f.sp.SignalChild(pid, syscall.SIGTERM)
	// -v says when the stop is seen: then the logger reads byte by byte.
	var said []byte
	f.er.SetReadDeadline(time.Now().Add(30 * time.Second))
	for !strings.Contains(string(said), "partial line") {
		b := make([]byte, 256)
		n, err := f.er.Read(b)
		if err != nil {
			t.Fatalf("no stop message: %v (%q)", err, said)
		}
		said = append(said, b[:n]...)
	}
	f.w.WriteString("tial\nleft\n") // -t ends after the partial line, like s6-log
	if ws := waitExit(t, exit); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("wait status %v, want exit 0", ws)
	}
	if got := f.current(); got != "two\npartial\n" {
		t.Fatalf("current %q", got)
	}
	if st, err := os.Stat(filepath.Join(f.logdir, "current")); err != nil || st.Mode()&0o100 == 0 {
		t.Fatalf("current not cleanly closed: %v", err)
	}
	// The pipe is the host's: what follows stays for the next logger.
	f.r.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 64)
	if n, _ := f.r.Read(b); string(b[:n]) != "left\n" {
		t.Fatalf("left in the pipe: %q", b[:n])
	}

	// KILL ends it at once: a signalled status, current left unclean.
	pid, exit, err = f.spawn(t)
	if err != nil {
		t.Fatal(err)
	}
	f.sp.SignalChild(pid, syscall.SIGKILL)
	if ws := waitExit(t, exit); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("wait status %v, want killed by SIGKILL", ws)
	}
	if st, err := os.Stat(filepath.Join(f.logdir, "current")); err != nil || st.Mode()&0o100 != 0 {
		t.Fatalf("current after KILL: %v, mode %v", err, st.Mode())
	}
}

// TestHostedPanic: a logger that panics ends with exit 111 and takes no
// other logger with it.
func TestHostedPanic(t *testing.T) {
	h := newHost()
	good := newFixture(t, h, "plain")
	bad := newFixture(t, h, "broken")
	gpid, gexit, err := good.spawn(t)
	if err != nil {
		t.Fatal(err)
	}
	_, bexit, err := bad.spawn(t)
	if err != nil {
		t.Fatal(err)
	}
	if ws := waitExit(t, bexit); !ws.Exited() || ws.ExitStatus() != 111 {
		t.Fatalf("broken logger: wait status %v, want exit 111", ws)
	}
	good.w.WriteString("still here\n")
	harness.Eventually(t, 30*time.Second, "the other logger still logging", func() bool { return good.current() == "still here\n" })
	good.sp.SignalChild(gpid, syscall.SIGTERM)
	if ws := waitExit(t, gexit); ws.ExitStatus() != 0 {
		t.Fatalf("wait status %v", ws)
	}
}

// TestProcessForm: the opt-outs, other programs and unrecognised scripts
// go to the process spawner.
func TestProcessForm(t *testing.T) {
	h := newHost()
	for _, c := range []struct {
		name, marker string
		env          []string
		path         string
	}{
		{"not a plain logger", "", nil, "./run"},
		{"opt-out file", OptOutFile, nil, "./run"},
		{"opt-out variable", "plain", []string{OptOutEnv + "=0"}, "./run"},
		{"finish", "plain", nil, "./finish"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, h, c.marker)
			if c.marker == OptOutFile {
				harness.WriteFile(t, filepath.Join(f.svc, "plain"), "", 0o644)
			}
			_, _, err := f.sp.Spawn(c.path, []string{"x"}, &syscall.ProcAttr{Dir: f.svc, Env: c.env,
				Files: []uintptr{f.r.Fd(), f.null.Fd(), f.null.Fd()}})
			if !errors.Is(err, errNoProcess) || len(f.base.paths) != 1 || f.base.paths[0] != c.path {
				t.Fatalf("err %v, process spawns %v", err, f.base.paths)
			}
			if !strings.HasPrefix(c.name, "finish") && f.sp.SignalChild(os.Getpid(), 0) && f.sp.(*slot).cur != nil {
				t.Fatal("a hosted logger is recorded")
			}
		})
	}
}

// TestKillChildren: what the scanner does after a supervisor crashed ends
// the hosted logger it left running.
func TestKillChildren(t *testing.T) {
	f := newFixture(t, newHost(), "plain")
	_, exit, err := f.spawn(t)
	if err != nil {
		t.Fatal(err)
	}
	f.sp.(*slot).KillChildren()
	if ws := waitExit(t, exit); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("wait status %v, want killed by SIGKILL", ws)
	}
	f.sp.(*slot).KillChildren() // an ended logger: nothing happens
}
