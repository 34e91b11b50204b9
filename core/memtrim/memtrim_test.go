package memtrim

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestReadOnlyMappingOf(t *testing.T) {
	const exe = "/usr/bin/s6box"
	cases := []struct {
		line string
		ok   bool
	}{
		{"00400000-00800000 r-xp 00000000 fd:01 123 /usr/bin/s6box", true},
		{"00800000-00a00000 r--p 00400000 fd:01 123 /usr/bin/s6box", true},
		{"00a00000-00a10000 rw-p 00600000 fd:01 123 /usr/bin/s6box", false}, // data: never
		{"00400000-00800000 r-xp 00000000 fd:01 124 /usr/bin/other", false},
		{"7f0000000000-7f0000001000 r--p 00000000 00:00 0", false},
		{"00400000-00800000 r-xs 00000000 fd:01 123 /usr/bin/s6box", false}, // shared
		{"garbage", false},
	}
	for _, c := range cases {
		_, _, ok := readOnlyMappingOf(c.line, exe)
		if ok != c.ok {
			t.Errorf("%q: ok=%v want %v", c.line, ok, c.ok)
		}
	}
}

// TestReleaseKeepsRunning releases this test binary's code pages and keeps
// running (the pages fault back in), and the resident size of the
// executable's read-only mappings goes down.
func TestReleaseKeepsRunning(t *testing.T) {
	if _, err := os.Stat("/proc/self/smaps"); err != nil {
		harness.SkipOrFail(t, "no /proc: %v", err)
	}
	before := exeRSS(t)
	if n := Release(); n == 0 {
		t.Fatal("nothing released")
	}
	after := exeRSS(t)
	if after >= before {
		t.Fatalf("executable RSS %d kB -> %d kB", before, after)
	}
	if strings.Repeat("x", 3) != "xxx" { // code still runs after the release
		t.Fatal("unreachable")
	}
}

func exeRSS(t *testing.T) int {
	self, _ := os.Readlink("/proc/self/exe")
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	total, in := 0, false
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 6 && strings.Contains(f[0], "-") {
			in = f[5] == self && !strings.Contains(f[1], "w")
		}
		if in && len(f) >= 2 && f[0] == "Rss:" {
			var n int
			for _, c := range f[1] {
				n = n*10 + int(c-'0')
			}
			total += n
		}
	}
	return total
}

// TestTrimmerWaitsForQuiet: a Touch pushes the release back; a Touch after
// the release arms it again; a burst that goes on is released at maxWait.
func TestTrimmerWaitsForQuiet(t *testing.T) {
	var mu sync.Mutex
	n := 0
	count := func() int { mu.Lock(); defer mu.Unlock(); return n }
	const delay = 200 * time.Millisecond
	tr := after(delay, time.Hour, func() { mu.Lock(); n++; mu.Unlock() })
	start := time.Now()
	for i := 0; i < 5; i++ { // touched every 100 ms for half a second
		time.Sleep(delay / 2)
		tr.Touch()
	}
	// Sleeps that overran the delay (a loaded machine) may have let it go.
	if c := count(); c != 0 && time.Since(start) < 3*delay {
		t.Fatalf("released %d times while still being touched", c)
	}
	waitFor(t, func() bool { return count() == 1 })
	tr.Touch()
	waitFor(t, func() bool { return count() == 2 })

	// A burst that never ends: released by maxWait all the same.
	m := 0
	var mm sync.Mutex
	long := after(delay, 3*delay, func() { mm.Lock(); m++; mm.Unlock() })
	end := time.Now().Add(10 * time.Second)
	for time.Now().Before(end) {
		mm.Lock()
		done := m >= 2
		mm.Unlock()
		if done {
			return
		}
		long.Touch()
		time.Sleep(delay / 4)
	}
	t.Fatal("a Trimmer touched without pause was not released twice in 10 s")
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("not released within 10 s")
}
