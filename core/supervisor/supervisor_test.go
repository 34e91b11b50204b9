package supervisor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"s6box/core/ftrig"
	"s6box/core/lock"
	"s6box/core/reaper"
	"s6box/core/status"
)

var (
	reaperOnce sync.Once
	testReaper *reaper.Reaper
)

func spawner() Spawner {
	reaperOnce.Do(func() { testReaper = reaper.Start(nil) })
	return ReaperSpawner(testReaper)
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(level, format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level+": "+fmt.Sprintf(format, a...))
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func service(t *testing.T, run, finish string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "svc one")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if run != "" {
		writeExec(t, filepath.Join(dir, "run"), run)
	}
	if finish != "" {
		writeExec(t, filepath.Join(dir, "finish"), finish)
	}
	return dir
}

func writeExec(t *testing.T, p, body string) {
	t.Helper()
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func start(t *testing.T, dir string, logs *logSink) *Supervisor {
	t.Helper()
	s, err := Start(Options{Dir: dir, Name: "one", Stdin: 0, Stdout: 1, Stderr: 2, Spawner: spawner(), Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Signal(syscall.SIGQUIT)
		<-s.Done()
		if st, err := status.Read(dir); err == nil && st.PID != 0 {
			syscall.Kill(-int(st.PID), syscall.SIGKILL)
		}
	})
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readStatus(t *testing.T, dir string) status.Status {
	t.Helper()
	st, err := status.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func control(t *testing.T, dir, bytes string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "supervise", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(bytes); err != nil {
		t.Fatal(err)
	}
}

func TestProcessCycle(t *testing.T) {
	dir := service(t, `echo "$# $0 $1" >> args; exec sleep 1000`, `echo "$#:$*" >> fargs; exit 0`)
	var logs logSink
	start(t, dir, &logs)
	l, err := ftrig.Subscribe(filepath.Join(dir, "event"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	waitFor(t, "run up", func() bool { st, _ := status.Read(dir); return st.Up() })
	first := readStatus(t, dir).PID
	waitFor(t, "first run wrote its args", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "args"))
		return strings.Count(string(b), "\n") == 1
	})
	control(t, dir, "k")
	waitFor(t, "restart", func() bool { st, _ := status.Read(dir); return st.Up() && st.PID != first })
	waitFor(t, "second run wrote its args", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "args"))
		return strings.Count(string(b), "\n") == 2
	})
	control(t, dir, "d")
	waitFor(t, "down", func() bool { st, _ := status.Read(dir); return st.PID == 0 && st.Ready })
	st := readStatus(t, dir)
	if st.WantUp || !st.Signaled() || st.Signal() != int(syscall.SIGTERM) {
		t.Fatalf("down status %+v", st)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if string(args) != "1 ./run one\n1 ./run one\n" {
		t.Fatalf("run args %q", args)
	}
	fargs, _ := os.ReadFile(filepath.Join(dir, "fargs"))
	if string(fargs) != "3:256 9 one\n3:256 15 one\n" {
		t.Fatalf("finish args %q", fargs)
	}
	l.SetDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	buf := make([]byte, 64)
	for !strings.HasSuffix(string(got), "dDudD") {
		n, err := l.Read(buf)
		if err != nil {
			t.Fatalf("events so far %q: %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "udDudD" && string(got) != "dDudD" {
		t.Fatalf("events %q", got)
	}
	ds, _ := status.ReadDeaths(dir)
	if len(ds) != 2 || ds[0].Sig != 9 || ds[1].Sig != 15 {
		t.Fatalf("death tally %+v", ds)
	}
}

func TestLockRefusalAndExit(t *testing.T) {
	dir := service(t, "exec sleep 1000", "")
	var logs logSink
	s := start(t, dir, &logs)
	_, err := Start(Options{Dir: dir, Spawner: spawner()})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second supervisor: %v", err)
	}
	if held, _ := lock.IsLocked(filepath.Join(dir, "supervise", "lock")); !held {
		t.Fatal("lock not held")
	}
	waitFor(t, "up", func() bool { st, _ := status.Read(dir); return st.Up() })
	control(t, dir, "dx")
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("supervisor did not exit after dx")
	}
	if held, _ := lock.IsLocked(filepath.Join(dir, "supervise", "lock")); held {
		t.Fatal("lock still held after exit")
	}
	// the fifo has no reader any more
	if _, err := os.OpenFile(filepath.Join(dir, "supervise", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0); !errors.Is(err, syscall.ENXIO) {
		t.Fatalf("control still open: %v", err)
	}
}

func TestReadinessAndLockFd(t *testing.T) {
	dir := service(t, `test -e /proc/self/fd/5 || exit 7; sleep 0.2; echo ready >&3; exec sleep 1000`, "")
	os.WriteFile(filepath.Join(dir, "notification-fd"), []byte("3\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lock-fd"), []byte("5\n"), 0o644)
	var logs logSink
	start(t, dir, &logs)
	waitFor(t, "ready", func() bool { st, _ := status.Read(dir); return st.Up() && st.Ready })
	held, err := lock.IsLocked(filepath.Join(dir, "supervise", "service-lock"))
	if err != nil || !held {
		t.Fatalf("service-lock not held by run: %v %v", held, err)
	}
}

func TestBadLayout(t *testing.T) {
	dir := service(t, "exec sleep 1000", "")
	os.Mkdir(filepath.Join(dir, "supervise"), 0o700)
	os.WriteFile(filepath.Join(dir, "supervise", "control"), nil, 0o600)
	if _, err := Start(Options{Dir: dir, Spawner: spawner()}); !errors.Is(err, ErrLayout) {
		t.Fatalf("control as a regular file: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Start(Options{Dir: file, Spawner: spawner()}); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("file as service dir: %v", err)
	}
}

func TestDanglingSymlinks(t *testing.T) {
	dir := service(t, "exec sleep 1000", "")
	base := t.TempDir()
	os.Symlink(filepath.Join(base, "sup"), filepath.Join(dir, "supervise"))
	os.Symlink(filepath.Join(base, "ev"), filepath.Join(dir, "event"))
	var logs logSink
	start(t, dir, &logs)
	if fi, err := os.Stat(filepath.Join(base, "ev")); err != nil || fi.Mode()&os.ModeSetgid == 0 {
		t.Fatalf("event target: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(base, "sup", "status")); err != nil {
		t.Fatal(err)
	}
}

// Many supervisors share one process and one reaper; each costs only
// goroutines, and all of them come down cleanly.
func TestManyInProcess(t *testing.T) {
	root := t.TempDir()
	var sups []*Supervisor
	for i := 0; i < 50; i++ {
		dir := filepath.Join(root, "s"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		os.Mkdir(dir, 0o755)
		writeExec(t, filepath.Join(dir, "run"), "exec sleep 1000")
		s, err := Start(Options{Dir: dir, Name: filepath.Base(dir), Spawner: spawner()})
		if err != nil {
			t.Fatal(err)
		}
		sups = append(sups, s)
	}
	for _, s := range sups {
		waitFor(t, "up", func() bool { st, _ := status.Read(s.Dir()); return st.Up() })
	}
	for _, s := range sups {
		s.Signal(syscall.SIGTERM)
	}
	for _, s := range sups {
		select {
		case <-s.Done():
		case <-time.After(30 * time.Second):
			t.Fatal("supervisor did not exit on SIGTERM")
		}
		if st := readStatus(t, s.Dir()); st.PID != 0 || st.WantUp {
			t.Fatalf("after TERM: %+v", st)
		}
	}
}

// A supervisor hosted in-process costs a few KB: its goroutines, a timer
// and small buffers. This bounds it generously (the point is that no
// supervisor holds an OS thread or megabytes).
func TestInProcessFootprint(t *testing.T) {
	const n = 300
	root := t.TempDir()
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = filepath.Join(root, fmt.Sprint(i))
		os.Mkdir(dirs[i], 0o755)
		writeExec(t, filepath.Join(dirs[i], "run"), "exec sleep 1000")
		os.WriteFile(filepath.Join(dirs[i], "down"), nil, 0o644)
	}
	sp := spawner()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	threads := countThreads(t)
	sups := make([]*Supervisor, n)
	for i, d := range dirs {
		s, err := Start(Options{Dir: d, Spawner: sp})
		if err != nil {
			t.Fatal(err)
		}
		sups[i] = s
	}
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)) / n
	extraThreads := countThreads(t) - threads
	t.Logf("%d supervisors: %d bytes of heap+stack each, %d extra OS threads", n, per, extraThreads)
	if per > 32<<10 {
		t.Errorf("each supervisor costs %d bytes", per)
	}
	if extraThreads > 20 {
		t.Errorf("%d supervisors added %d OS threads", n, extraThreads)
	}
	for _, s := range sups {
		s.Signal(syscall.SIGTERM)
		<-s.Done()
	}
}

func countThreads(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

type panicSpawner struct {
	Spawner
	after int // spawns that succeed before it panics
	n     int
}

func (p *panicSpawner) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	p.n++
	if p.n > p.after {
		panic("spawner exploded")
	}
	return p.Spawner.Spawn(path, argv, attr)
}

// A panic inside one supervisor ends that supervisor (lock released, Done
// closed, `x` emitted), never the process.
func TestPanicIsContained(t *testing.T) {
	dir := service(t, "exec sleep 1000", "")
	if _, err := Start(Options{Dir: dir, Spawner: &panicSpawner{Spawner: spawner()}}); err == nil || !strings.Contains(err.Error(), "spawner exploded") {
		t.Fatalf("panic at start: %v", err)
	}
	if held, _ := lock.IsLocked(filepath.Join(dir, "supervise", "lock")); held {
		t.Fatal("lock kept after a failed start")
	}
	var logs logSink
	s, err := Start(Options{Dir: dir, Spawner: &panicSpawner{Spawner: spawner(), after: 1}, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	pid := readStatus(t, dir).PID
	control(t, dir, "k") // the restart's spawn panics
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("supervisor did not end after its panic")
	}
	syscall.Kill(int(pid), syscall.SIGKILL)
	if !strings.Contains(logs.String(), "fatal: internal error supervising") {
		t.Fatalf("log %q", logs.String())
	}
	if held, _ := lock.IsLocked(filepath.Join(dir, "supervise", "lock")); held {
		t.Fatal("lock kept after the panic")
	}
}

// TestStartFailsWithoutStatus: a supervisor that cannot write its status
// (here supervise/status.new is a directory; under svscan it is a full
// descriptor table) starts nothing, returns the error and releases its
// lock, so the scanner can retry and no daemon runs unseen.
func TestStartFailsWithoutStatus(t *testing.T) {
	dir := service(t, "touch started; exec sleep 100", "")
	if err := os.MkdirAll(filepath.Join(dir, "supervise", "status.new"), 0o700); err != nil {
		t.Fatal(err)
	}
	logs := &logSink{}
	s, err := Start(Options{Dir: dir, Name: "one", Stdin: 0, Stdout: 1, Stderr: 2, Spawner: spawner(), Logf: logs.logf})
	if err == nil {
		s.Signal(syscall.SIGQUIT)
		<-s.Done()
		if st, err := status.Read(dir); err == nil && st.PID != 0 {
			syscall.Kill(-int(st.PID), syscall.SIGKILL)
		}
		t.Fatal("Start succeeded without a status file")
	}
	if !errors.Is(err, syscall.EISDIR) {
		t.Errorf("error %v does not wrap EISDIR", err)
	}
	if locked, lerr := lock.IsLocked(filepath.Join(dir, "supervise", "lock")); lerr != nil || locked {
		t.Errorf("lock still held after a failed start (%v)", lerr)
	}
	time.Sleep(200 * time.Millisecond) // a spawned run would have touched the file by now
	if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
		t.Error("run was started by a supervisor that failed to start")
	}
}

// restart-backoff with the real host: supervise/backoff left by an earlier
// supervisor is removed at start (nothing is pending then), a held-back
// start is published there, and `r` starts the service at once.
func TestBackoffFileHost(t *testing.T) {
	dir := service(t, `echo x >> starts; [ "$(wc -l < starts)" -ge 2 ] && exec sleep 1000; exit 1`, "")
	if err := os.WriteFile(filepath.Join(dir, "restart-backoff"), []byte("600000 600000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup := filepath.Join(dir, "supervise")
	if err := os.Mkdir(sup, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := status.WriteBackoff(sup, status.Backoff{Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "down"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs logSink
	start(t, dir, &logs)
	if _, ok, err := status.ReadBackoff(dir); ok || err != nil {
		t.Fatalf("leftover supervise/backoff kept: %v %v", ok, err)
	}
	control(t, dir, "U")
	var b status.Backoff
	waitFor(t, "the held-back start published", func() bool {
		var ok bool
		var err error
		b, ok, err = status.ReadBackoff(dir)
		return err == nil && ok && b.Delay == 10*time.Minute
	})
	if st := readStatus(t, dir); st.PID != 0 || !st.WantUp || b.Next.Sub(st.Stamp) < 10*time.Minute {
		t.Fatalf("status %+v, backoff %+v", st, b)
	}
	control(t, dir, "r")
	waitFor(t, "up", func() bool { st, _ := status.Read(dir); return st.Up() })
	if _, ok, err := status.ReadBackoff(dir); ok || err != nil {
		t.Fatalf("supervise/backoff once up: %v %v", ok, err)
	}
	if logs.String() != "" {
		t.Fatalf("logs: %s", logs.String())
	}
}
