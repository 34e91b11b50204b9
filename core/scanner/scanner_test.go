package scanner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

type fakeHandle struct {
	spec Spec
	sigs []syscall.Signal
	done chan struct{}
}

func (h *fakeHandle) Signal(sig syscall.Signal) { h.sigs = append(h.sigs, sig) }
func (h *fakeHandle) Done() <-chan struct{}     { return h.done }

type fakeHost struct {
	mu      sync.Mutex
	started map[string][]*fakeHandle
}

func (f *fakeHost) Mode() string { return "fake" }
func (f *fakeHost) Start(s Spec) (Handle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &fakeHandle{spec: s, done: make(chan struct{})}
	f.started[s.Name] = append(f.started[s.Name], h)
	return h, nil
}

func (f *fakeHost) last(name string) *fakeHandle {
	hs := f.started[name]
	if len(hs) == 0 {
		return nil
	}
	return hs[len(hs)-1]
}

func mkService(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func newTestScanner(t *testing.T, max int) (*Scanner, *fakeHost, string, *[]string) {
	t.Helper()
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	dir := t.TempDir()
	host := &fakeHost{started: map[string][]*fakeHandle{}}
	var logs []string
	s, err := New(Config{Dir: dir, MaxServices: max, NotifyFd: -1, ConsoleFd: -1, Host: host,
		Logf: func(level, format string, args ...any) {
			logs = append(logs, level+": "+fmt.Sprintf(format, args...))
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s, host, dir, &logs
}

// die simulates the end of a supervisor and feeds the event to the scanner.
func die(s *Scanner, h *fakeHandle) {
	close(h.done)
	ev := <-s.events
	s.handleEvent(ev)
}

func TestScanIdentityLoggersAndPruning(t *testing.T) {
	s, host, dir, _ := newTestScanner(t, 0)
	mkService(t, filepath.Join(dir, "a"))
	mkService(t, filepath.Join(dir, "a", "log"))
	mkService(t, filepath.Join(dir, "b"))
	mkService(t, filepath.Join(dir, ".hidden"))
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	os.Symlink("b", filepath.Join(dir, "b-link")) // same dev/ino as b
	s.scan()
	if len(host.started) != 3 {
		t.Fatalf("started %v, want a, a/log, b", keys(host.started))
	}
	a, alog, b := host.last("a"), host.last("a/log"), host.last("b")
	if a == nil || alog == nil || b == nil {
		t.Fatalf("started %v", keys(host.started))
	}
	// The logger pipe: a's stdout is the write end, a/log's stdin the read end.
	var ps [2]syscall.Stat_t
	syscall.Fstat(a.spec.Stdout, &ps[0])
	syscall.Fstat(alog.spec.Stdin, &ps[1])
	if a.spec.Stdout < 3 || ps[0].Ino != ps[1].Ino || ps[0].Mode&syscall.S_IFMT != syscall.S_IFIFO {
		t.Fatalf("a and a/log not joined by a pipe: %+v %+v", a.spec, alog.spec)
	}
	if b.spec.Stdout != 1 || b.spec.Stdin != 0 {
		t.Fatalf("unlogged b got stdio %+v", b.spec)
	}

	// Rescans do not restart anything.
	s.scan()
	if len(host.started["a"]) != 1 || len(host.started["b"]) != 1 {
		t.Fatal("rescan restarted a service")
	}

	// a disappears: inactive, not signalled until pruned.
	os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, ".a-gone"))
	s.scan()
	if len(a.sigs) != 0 || len(alog.sigs) != 0 {
		t.Fatal("inactive service signalled before -n")
	}
	s.control([]byte("n"))
	if len(a.sigs) != 1 || a.sigs[0] != syscall.SIGTERM || len(alog.sigs) != 1 || alog.sigs[0] != syscall.SIGHUP {
		t.Fatalf("prune sent main %v logger %v, want TERM and HUP", a.sigs, alog.sigs)
	}
	if len(b.sigs) != 0 {
		t.Fatal("prune signalled an active service")
	}
	// Main supervisor ends: not restarted, pipe write end closed.
	pw := a.spec.Stdout
	die(s, a)
	var st syscall.Stat_t
	if err := syscall.Fstat(pw, &st); err == nil && st.Ino == ps[0].Ino {
		t.Fatal("write end of an inactive service's pipe still held after its supervisor ended")
	}
	die(s, alog)
	if len(s.services) != 1 {
		t.Fatalf("%d services known, want 1 (a forgotten)", len(s.services))
	}

	// An active service's supervisor is restarted (1 s later).
	die(s, b)
	ev := <-s.events
	if ev.restart == nil {
		t.Fatalf("expected a restart event, got %+v", ev)
	}
	s.handleEvent(ev)
	if len(host.started["b"]) != 2 {
		t.Fatal("dead supervisor of an active service not restarted")
	}
}

func TestTeardownAndQuitMasks(t *testing.T) {
	for _, tc := range []struct {
		cmd          string
		main, logger syscall.Signal
	}{{"t", syscall.SIGTERM, syscall.SIGHUP}, {"q", syscall.SIGTERM, syscall.SIGTERM}, {"N", 0, 0}} {
		s, host, dir, _ := newTestScanner(t, 0)
		mkService(t, filepath.Join(dir, "a"))
		mkService(t, filepath.Join(dir, "a", "log"))
		mkService(t, filepath.Join(dir, LoggerName))
		s.scan()
		s.control([]byte(tc.cmd))
		a, alog, special := host.last("a"), host.last("a/log"), host.last(LoggerName)
		if tc.main == 0 {
			// N only touches inactive services.
			if len(a.sigs)+len(alog.sigs)+len(special.sigs) != 0 {
				t.Fatalf("-N signalled active services")
			}
			continue
		}
		if len(a.sigs) != 1 || a.sigs[0] != tc.main || len(alog.sigs) != 1 || alog.sigs[0] != tc.logger {
			t.Fatalf("-%s: main %v logger %v", tc.cmd, a.sigs, alog.sigs)
		}
		if len(special.sigs) != 1 || special.sigs[0] != tc.logger {
			t.Fatalf("-%s: s6-svscan-log got %v, want %v", tc.cmd, special.sigs, tc.logger)
		}
		if s.exit == running {
			t.Fatalf("-%s did not start the exit", tc.cmd)
		}
	}
}

func TestMaxServicesAndNameMax(t *testing.T) {
	s, host, dir, logs := newTestScanner(t, 4)
	s.c.NameMax = 11
	for _, n := range []string{"s1", "s2", "s3", "s4", "s5"} {
		mkService(t, filepath.Join(dir, n))
	}
	mkService(t, filepath.Join(dir, "a-very-long-name"))
	s.scan()
	if len(host.started) != 4 {
		t.Fatalf("started %v, want 4 (limit)", keys(host.started))
	}
	joined := strings.Join(*logs, "\n")
	if !strings.Contains(joined, "too many services") || !strings.Contains(joined, "longer than") {
		t.Fatalf("missing warnings:\n%s", joined)
	}
}

func TestSecondScannerRefused(t *testing.T) {
	s, _, dir, _ := newTestScanner(t, 0)
	_ = s
	_, err := New(Config{Dir: dir, NotifyFd: -1, ConsoleFd: -1, Host: &fakeHost{}})
	if err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second scanner on %s: %v", dir, err)
	}
}

func TestControlClient(t *testing.T) {
	s, _, dir, _ := newTestScanner(t, 0)
	go s.readControl()
	if err := Control(dir, []byte("an")); err != nil {
		t.Fatal(err)
	}
	if got := string(<-s.ctl); got != "an" {
		t.Fatalf("scanner read %q", got)
	}
	s.ctlR.Close()
	s.ctlW.Close()
	if err := Control(dir, []byte("a")); err == nil || !strings.Contains(err.Error(), "not listening") {
		t.Fatalf("no reader: %v", err)
	}
	empty := t.TempDir()
	if err := Control(empty, nil); err == nil || !strings.Contains(err.Error(), ".s6-svscan") {
		t.Fatalf("no .s6-svscan: %v", err)
	}
}

func keys(m map[string][]*fakeHandle) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

// TestControlGarbageOneWarning: 100 KB of unknown bytes in one read give
// one warning naming their number, not one per byte; known bytes among
// them are still obeyed.
func TestControlGarbageOneWarning(t *testing.T) {
	s, _, _, logs := newTestScanner(t, 0)
	s.control(bytes.Repeat([]byte{'X'}, 100000))
	if len(*logs) != 1 || !strings.Contains((*logs)[0], "100000 unknown control command bytes") || !strings.Contains((*logs)[0], "'X'") {
		t.Fatalf("%d warnings, first %q", len(*logs), (*logs)[:min(1, len(*logs))])
	}
	*logs = nil
	s.control([]byte("Y"))
	if len(*logs) != 1 || (*logs)[0] != "warning: received unknown control command: 'Y'" {
		t.Fatalf("one unknown byte: %q", *logs)
	}
	*logs = nil
	s.control([]byte("\x00Xt\xff"))
	if len(*logs) != 1 || !strings.Contains((*logs)[0], "3 unknown control command bytes (the first: '\\x00')") || s.exit == running {
		t.Fatalf("mixed: %q, exit %d", *logs, s.exit)
	}
}

// TestStartedAfterScans: Config.Started hears how many supervisors each
// scan started (the first scan, a later one finding new services, one
// bringing back an inactive service), and nothing for a scan that started
// none or for a supervisor's restart.
func TestStartedAfterScans(t *testing.T) {
	s, host, dir, _ := newTestScanner(t, 0)
	var got []int
	s.c.Started = func(n int) { got = append(got, n) }
	for _, n := range []string{"a", "a/log", "b", "c", "d", "e"} {
		mkService(t, filepath.Join(dir, n))
	}
	s.scan() // a, a/log, b, c, d, e: more than one batch
	s.scan() // nothing new
	mkService(t, filepath.Join(dir, "f"))
	s.scan()
	os.Rename(filepath.Join(dir, "b"), filepath.Join(dir, ".b"))
	s.scan()
	die(s, host.last("b")) // inactive: not restarted
	os.Rename(filepath.Join(dir, ".b"), filepath.Join(dir, "b"))
	s.scan()
	die(s, host.last("c")) // active: restarted a second later, no scan
	ev := <-s.events
	s.handleEvent(ev)
	if want := []int{6, 1, 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Started calls %v, want %v", got, want)
	}
	if len(host.started["c"]) != 2 {
		t.Fatalf("c started %d times, want 2", len(host.started["c"]))
	}
}
