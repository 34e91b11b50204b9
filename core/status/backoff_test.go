package status

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"s6box/core/rawio"
	"s6box/core/tai64n"
)

func TestBackoffFile(t *testing.T) {
	svc := t.TempDir()
	sup := filepath.Join(svc, "supervise")
	if err := os.Mkdir(sup, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ReadBackoff(svc); ok || err != nil {
		t.Fatalf("missing file: ok=%v err=%v", ok, err)
	}
	want := Backoff{Next: tai64n.FromTime(time.Unix(1_700_000_000, 5_000_000)), Delay: 8 * time.Second}
	if err := WriteBackoff(sup, want); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(sup, BackoffName)); err != nil || fi.Size() != BackoffSize {
		t.Fatalf("stat: %v %v", fi, err)
	}
	got, ok, err := ReadBackoff(svc)
	if err != nil || !ok || got != want {
		t.Fatalf("read back %+v %v %v, want %+v", got, ok, err, want)
	}
	if err := RemoveBackoff(sup); err != nil {
		t.Fatal(err)
	}
	if err := RemoveBackoff(sup); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	if _, ok, err := ReadBackoff(svc); ok || err != nil {
		t.Fatalf("after remove: ok=%v err=%v", ok, err)
	}
}

// A planted symlink, fifo or a file of the wrong size is an error, never a
// hang or a value.
func TestBackoffFileRefusesGarbage(t *testing.T) {
	svc := t.TempDir()
	sup := filepath.Join(svc, "supervise")
	os.Mkdir(sup, 0o700)
	p := filepath.Join(sup, BackoffName)
	target := filepath.Join(svc, "target")
	os.WriteFile(target, make([]byte, BackoffSize), 0o644)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ReadBackoff(svc); err == nil || ok {
		t.Fatalf("symlink followed: ok=%v err=%v", ok, err)
	}
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadBackoff(svc); !errors.Is(err, rawio.ErrNotRegular) {
		t.Fatalf("fifo: %v", err)
	}
	os.Remove(p)
	for _, n := range []int{0, BackoffSize - 1, BackoffSize + 1, 4096} {
		os.WriteFile(p, make([]byte, n), 0o644)
		if _, _, err := ReadBackoff(svc); !errors.Is(err, ErrBackoffSize) {
			t.Fatalf("%d bytes: %v", n, err)
		}
	}
}
