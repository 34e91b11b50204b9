package supervise

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/test/harness"
)

// TestEventSymlinkNotFollowed: a member of the event group can put a
// symlink named like a listener fifo in event/. The supervisor (root here)
// must not write its event letters through it at the next state changes.
func TestEventSymlinkNotFollowed(t *testing.T) {
	dir := svc(t, "evlink", "exec sleep 1000", "")
	p := supervise(t, dir)
	waitStatus(t, dir, "up", func(s status.Status) bool { return s.Up() })
	victim := filepath.Join(t.TempDir(), "victim")
	harness.WriteFile(t, victim, "precious\n", 0o644)
	link := filepath.Join(dir, "event", "ftrig1:@4000000000000000deadbeef:planty")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	harness.Run(t, "svc", "-d", dir)
	waitStatus(t, dir, "down", func(s status.Status) bool { return s.PID == 0 && !s.WantUp })
	harness.Run(t, "svc", "-u", dir)
	waitStatus(t, dir, "up again", func(s status.Status) bool { return s.Up() })
	if b, err := os.ReadFile(victim); err != nil || string(b) != "precious\n" {
		t.Fatalf("victim changed through %s: %q, %v\nstderr: %s", link, b, err, p.Stderr.String())
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("planted symlink not left alone: %v", err)
	}
}

// TestFifoConfigFiles: every configuration file the supervisor reads is a
// fifo. Real s6 opens them non-blocking; so must we: the supervisor warns
// naming each file, uses the default, and keeps obeying svc.
func TestFifoConfigFiles(t *testing.T) {
	dir := svc(t, "fifocfg", "trap '' HUP\nexec sleep 1000", "exit 0")
	names := []string{"notification-fd", "lock-fd", "timeout-kill", "timeout-finish", "max-death-tally", "down-signal", "reload-signal"}
	for _, n := range names {
		if err := syscall.Mkfifo(filepath.Join(dir, n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := supervise(t, dir)
	const bound = 10 * time.Second
	wait := func(what string, cond func(status.Status) bool) {
		t.Helper()
		deadline := time.Now().Add(bound)
		for {
			if s, err := status.Read(dir); err == nil && cond(s) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("supervisor did not reach %q within %v\nstderr: %s", what, bound, p.Stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait("up", func(s status.Status) bool { return s.Up() })
	r := harness.Run(t, "svc", "-l", dir)
	if r.Code != 0 {
		t.Fatalf("svc -l: %+v", r)
	}
	harness.Run(t, "svc", "-d", dir)
	wait("down after finish", func(s status.Status) bool { return s.PID == 0 && !s.Finishing && !s.WantUp })
	r = harness.Run(t, "svstat", dir)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "down (signal SIGTERM) ") {
		t.Fatalf("svstat: %+v", r)
	}
	if testing.Verbose() {
		t.Log(p.Stderr.String())
	}
	for _, n := range names {
		want := "warning: unable to read " + filepath.Base(dir) + "/" + n + ": not a regular file"
		harness.Eventually(t, bound, "a warning about "+n, func() bool {
			return strings.Contains(p.Stderr.String(), want)
		})
	}
	// and the supervisor still answers
	harness.Run(t, "svc", "-u", dir)
	wait("up again", func(s status.Status) bool { return s.Up() })
}
