package lock

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"s6box/test/harness"
)

func TestAcquireConflictsInProcess(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	if l, _ := IsLocked(p); l {
		t.Fatal("missing file reported locked")
	}
	f, err := Acquire(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(p, 0o644); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock in the same process: %v", err)
	}
	if l, err := IsLocked(p); err != nil || !l {
		t.Fatalf("IsLocked = %v %v", l, err)
	}
	f.Close()
	if l, _ := IsLocked(p); l {
		t.Fatal("still locked after close")
	}
}

// TestVisibleToClassicLocks checks the lock is seen by a classic fcntl lock
// from another process, which is what real s6 tools use. flock(1) uses
// flock(2) and would not conflict, so python's fcntl.lockf is used when
// available.
func TestVisibleToClassicLocks(t *testing.T) {
	py := harness.NeedProgram(t, "python3", "python3")
	p := filepath.Join(t.TempDir(), "lock")
	f, err := Acquire(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := exec.Command(py, "-c", `
import fcntl, sys
f = open(sys.argv[1], "r+")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("acquired")
except OSError:
    print("busy")
`, p).CombinedOutput()
	if err != nil || string(out) != "busy\n" {
		t.Fatalf("classic lock from another process: %q %v", out, err)
	}
}
