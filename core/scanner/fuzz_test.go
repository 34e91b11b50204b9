package scanner

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"

	"s6box/core/reaper"
)

var (
	fuzzReaperOnce sync.Once
	fuzzReaper     *reaper.Reaper
)

// FuzzControl: any bytes read from .s6-svscan/control are obeyed without
// a panic, with at most one warning, which counts exactly the bytes that
// are not commands; an exit command starts the exit, b aborts.
func FuzzControl(f *testing.F) {
	for _, s := range []string{"a", "h", "zan", "N", "t", "q", "b", "i", "X", "aXbY\x00\xff", strings.Repeat("?", 300)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzReaperOnce.Do(func() { fuzzReaper = reaper.Start(nil) })
		s, _, _, logs := newTestScanner(t, 0)
		s.c.Reaper = fuzzReaper
		s.control(b)
		unknown := 0
		for _, c := range b {
			if bytes.IndexByte([]byte(ControlBytes), c) < 0 {
				unknown++
			}
		}
		switch {
		case unknown == 0 && len(*logs) != 0:
			t.Fatalf("%q: warnings %q", b, *logs)
		case unknown == 1 && (len(*logs) != 1 || !strings.Contains((*logs)[0], "unknown control command: ")):
			t.Fatalf("%q: warnings %q", b, *logs)
		case unknown > 1 && (len(*logs) != 1 || !strings.Contains((*logs)[0], "received "+strconv.Itoa(unknown)+" unknown")):
			t.Fatalf("%q: %d unknown, warnings %q", b, unknown, *logs)
		}
		if bytes.ContainsAny(b, "tiq") && s.exit == running {
			t.Fatalf("%q: no exit started", b)
		}
		if bytes.IndexByte(b, 'b') >= 0 != s.abort {
			t.Fatalf("%q: abort %v", b, s.abort)
		}
	})
}
