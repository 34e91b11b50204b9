package readiness

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"s6box/core/reaper"
)

func script(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "check")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPollOutcomes(t *testing.T) {
	r := reaper.Start(nil)
	defer r.Stop()
	never := make(chan struct{})
	dir := t.TempDir()
	counter := filepath.Join(dir, "n")
	// Succeeds on the third run.
	third := script(t, `n=$(cat `+counter+` 2>/dev/null || echo 0); n=$((n+1)); echo $n > `+counter+`; [ $n -ge 3 ]`)
	notified := 0
	code, err := Poll(Options{Argv: []string{third}, Wait: time.Millisecond, Tries: 5}, r, never, func() error { notified++; return nil })
	if code != Ready || err != nil || notified != 1 {
		t.Fatalf("third: %d %v %d", code, err, notified)
	}
	os.Remove(counter)
	code, _ = Poll(Options{Argv: []string{third}, Wait: time.Millisecond, Tries: 2}, r, never, func() error { t.Fatal("notified"); return nil })
	if code != Exhausted {
		t.Fatalf("2 tries: %d", code)
	}
	slow := script(t, "exec sleep 30")
	start := time.Now()
	code, _ = Poll(Options{Argv: []string{slow}, LocalTimeout: 50 * time.Millisecond, Tries: 2}, r, never, nil)
	if code != Exhausted || time.Since(start) > 20*time.Second {
		t.Fatalf("local timeout: %d after %v", code, time.Since(start))
	}
	code, _ = Poll(Options{Argv: []string{slow}, GlobalTimeout: 50 * time.Millisecond}, r, never, nil)
	if code != TimedOut {
		t.Fatalf("global timeout: %d", code)
	}
	dead := make(chan struct{})
	go func() { time.Sleep(50 * time.Millisecond); close(dead) }()
	code, _ = Poll(Options{Argv: []string{slow}}, r, dead, nil)
	if code != Died {
		t.Fatalf("death: %d", code)
	}
	code, _ = Poll(Options{Argv: []string{filepath.Join(dir, "missing")}, Tries: 3}, r, never, nil)
	if code != Exhausted {
		t.Fatalf("missing check: %d", code)
	}
}
