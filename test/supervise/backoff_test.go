package supervise

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/test/harness"
)

// restart-backoff, an s6box extension, through the binary: what is visible
// and in which order, never how long anything took.

// svstatJSON is our svstat --json on dir, decoded.
func svstatJSON(t *testing.T, dir string) map[string]any {
	t.Helper()
	r := harness.Run(t, "svstat", "--json", dir)
	if r.Code != 0 {
		t.Fatalf("svstat --json: %d %s", r.Code, r.Stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
		t.Fatalf("svstat --json: %q: %v", r.Stdout, err)
	}
	return m
}

func svstatLine(t *testing.T, dir string) string {
	t.Helper()
	r := harness.Run(t, "svstat", dir)
	if r.Code != 0 {
		t.Fatalf("svstat: %d %s", r.Code, r.Stderr)
	}
	return strings.TrimSuffix(r.Stdout, "\n")
}

// waitBackoff waits until the supervisor holds back a start of delay ms and
// svstat shows it, in both formats.
func waitBackoff(t *testing.T, dir string, delayMS float64) {
	t.Helper()
	harness.Eventually(t, long, "supervise/backoff", func() bool {
		b, ok, err := status.ReadBackoff(dir)
		return err == nil && ok && b.Delay == time.Duration(delayMS)*time.Millisecond
	})
	if s := st(t, dir); s.PID != 0 || !s.WantUp {
		t.Fatalf("backing off but status %+v", s)
	}
	line := svstatLine(t, dir)
	if !strings.HasPrefix(line, "down (exitcode 1) ") || !strings.Contains(line, ", normally up, want up, ready ") ||
		!strings.Contains(line, " seconds, backing off, next start in ") || !strings.HasSuffix(line, " seconds") {
		t.Fatalf("svstat: %q", line)
	}
	m := svstatJSON(t, dir)
	if m["backoff_ms"] != delayMS {
		t.Fatalf("svstat --json backoff_ms %v, want %v", m["backoff_ms"], delayMS)
	}
	next, err := time.Parse(time.RFC3339Nano, m["next_start"].(string))
	if err != nil {
		t.Fatalf("next_start: %v", err)
	}
	since, err := time.Parse(time.RFC3339Nano, m["since"].(string))
	if err != nil {
		t.Fatalf("since: %v", err)
	}
	if !next.After(since) {
		t.Fatalf("next_start %v is not after the death, %v", next, since)
	}
}

// A crash loop with a one-minute backoff: held back after each death, with
// the delay doubled; svc -u and svc -r start it at once; once up, the
// backoff file is gone and svstat shows what s6-svstat shows.
func TestBackoffOverrideAndVisibility(t *testing.T) {
	dir := svc(t, "crashy", `echo start >> starts
[ "$(wc -l < starts)" -ge 3 ] && exec sleep 1000
exit 1`, "")
	file(t, dir, "restart-backoff", "60000 600000\n")
	supervise(t, dir)
	waitBackoff(t, dir, 60000)
	if n := len(readLines(t, filepath.Join(dir, "starts"))); n != 1 {
		t.Fatalf("%d starts while backing off", n)
	}

	if r := harness.Run(t, "svc", "-u", dir); r.Code != 0 {
		t.Fatalf("svc -u: %d %s", r.Code, r.Stderr)
	}
	waitLines(t, filepath.Join(dir, "starts"), 2)
	waitBackoff(t, dir, 120000) // the streak went on: twice the delay

	if r := harness.Run(t, "svc", "-r", dir); r.Code != 0 {
		t.Fatalf("svc -r: %d %s", r.Code, r.Stderr)
	}
	waitStatus(t, dir, "up at the third start", func(s status.Status) bool { return s.Up() })
	if _, err := os.Lstat(filepath.Join(dir, "supervise", status.BackoffName)); !os.IsNotExist(err) {
		t.Fatalf("supervise/backoff still there once up: %v", err)
	}
	if line := svstatLine(t, dir); strings.Contains(line, "backing off") || !strings.HasPrefix(line, "up (pid ") {
		t.Fatalf("svstat once up: %q", line)
	}
	if m := svstatJSON(t, dir); m["backoff_ms"] != nil || m["next_start"] != nil {
		t.Fatalf("svstat --json once up: %v", m)
	}
}

// `d` while backing off: the start is cancelled and the file goes; `x`
// while backing off leaves no file either.
func TestBackoffCancelAndExit(t *testing.T) {
	dir := svc(t, "crashd", "exit 1", "")
	file(t, dir, "restart-backoff", "60000 60000")
	p := supervise(t, dir)
	waitBackoff(t, dir, 60000)
	ev := events(t, dir)
	ctl(t, dir, "d")
	waitStatus(t, dir, "wanted down", func(s status.Status) bool { return !s.WantUp })
	if _, err := os.Lstat(filepath.Join(dir, "supervise", status.BackoffName)); !os.IsNotExist(err) {
		t.Fatalf("supervise/backoff after d: %v", err)
	}
	if line := svstatLine(t, dir); strings.Contains(line, "backing off") {
		t.Fatalf("svstat after d: %q", line)
	}
	ctl(t, dir, "u")
	ev("udD")                  // started at once, died again
	waitBackoff(t, dir, 60000) // the maximum: the streak went on
	ctl(t, dir, "x")
	if code, ok := p.Wait(long); !ok || code != 0 {
		t.Fatalf("supervise after x: %d %v", code, ok)
	}
	if _, err := os.Lstat(filepath.Join(dir, "supervise", status.BackoffName)); !os.IsNotExist(err) {
		t.Fatalf("supervise/backoff after x: %v", err)
	}
}

// An invalid restart-backoff: a warning naming the file, then s6's pacing
// (the service is restarted, no backoff file). Without the file at all
// nothing of the extension shows.
func TestBackoffInvalidOrAbsent(t *testing.T) {
	dir := svc(t, "badbo", "echo start >> starts; exit 1", "")
	file(t, dir, "restart-backoff", "1m 10m\n")
	p := supervise(t, dir)
	waitLines(t, filepath.Join(dir, "starts"), 3)
	harness.Eventually(t, long, "warning", func() bool {
		return strings.Contains(p.Stderr.String(), "warning: invalid badbo/restart-backoff: ")
	})
	if _, ok, err := status.ReadBackoff(dir); ok || err != nil {
		t.Fatalf("backoff with an invalid file: %v %v", ok, err)
	}

	dir = svc(t, "nobo", "echo start >> starts; exit 1", "")
	p = supervise(t, dir)
	waitLines(t, filepath.Join(dir, "starts"), 3)
	for i := 0; i < 5; i++ {
		if line := svstatLine(t, dir); strings.Contains(line, "backing off") {
			t.Fatalf("svstat without the file: %q", line)
		}
		if m := svstatJSON(t, dir); m["backoff_ms"] != nil {
			t.Fatalf("svstat --json without the file: %v", m)
		}
		if _, err := os.Lstat(filepath.Join(dir, "supervise", status.BackoffName)); !os.IsNotExist(err) {
			t.Fatalf("supervise/backoff without restart-backoff: %v", err)
		}
	}
	if e := p.Stderr.String(); strings.Contains(e, "backoff") {
		t.Fatalf("stderr mentions backoff: %q", e)
	}
}
