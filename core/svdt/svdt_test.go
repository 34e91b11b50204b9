package svdt

import (
	"os"
	"path/filepath"
	"testing"

	"s6box/core/status"
	"s6box/core/tai64n"
)

func TestFormat(t *testing.T) {
	st := tai64n.Stamp{Sec: 0x400000006b040b91, Nano: 0x21438b5c}
	ds := []status.Death{
		{Stamp: st, Code: 137, Sig: 9},
		{Stamp: st, Code: 3},
		{Stamp: st, Code: 143, Sig: 15},
	}
	// Line shapes as printed by Debian's s6-svdt 2.11.
	want := "@400000006b040b9121438b5c signal SIGKILL\n@400000006b040b9121438b5c exitcode 3\n@400000006b040b9121438b5c signal SIGTERM\n"
	if got := string(Format(ds, MaxRecords, false)); got != want {
		t.Errorf("got %q", got)
	}
	if got := string(Format(ds, 1, true)); got != "@400000006b040b9121438b5c signal 15\n" {
		t.Errorf("-s -n 1: got %q", got)
	}
	if got := Format(ds, 0, false); len(got) != 0 {
		t.Errorf("-n 0: got %q", got)
	}
}

func TestClear(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "supervise"), 0o700)
	p := filepath.Join(dir, "supervise", "death_tally")
	os.WriteFile(p, make([]byte, 28), 0o644)
	if err := Clear(dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || len(b) != 0 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if err := Clear(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("no error for a missing servicedir")
	}
}
