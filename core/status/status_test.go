package status

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/tai64n"
)

func TestDecodeVerifiedExample(t *testing.T) {
	// A status file written by s6-supervise 2.11: service killed by SIGTERM,
	// down, ready.
	raw, _ := hex.DecodeString("400000006b03fdb6036d6b5b" + "400000006b03fdb603c49407" + "0000000000000000" + "000f" + "08")
	s, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if s.Up() || !s.Ready || s.WantUp || !s.Signaled() || s.Signal() != 15 {
		t.Fatalf("%+v", s)
	}
	if !bytes.Equal(s.Encode(), raw) {
		t.Fatal("re-encoding differs")
	}
	if _, err := Decode(raw[:34]); err != ErrShort {
		t.Fatal("short file accepted")
	}
}

func TestFlagsAndExit(t *testing.T) {
	s := Status{PID: 42, Finishing: true, WantUp: true, Wstat: 3 << 8}
	if s.Encode()[34] != 0x06 || s.Up() || s.Signaled() || s.ExitCode() != 3 {
		t.Fatalf("%x", s.Encode())
	}
}

func TestDeathTally(t *testing.T) {
	svc := t.TempDir()
	sup := svc + "/supervise"
	if err := os.Mkdir(sup, 0o700); err != nil {
		t.Fatal(err)
	}
	st := tai64n.Stamp{Sec: 0x4000000000000001, Nano: 2}
	for i := 0; i < 5; i++ {
		if err := AppendDeath(sup, DeathFromWstat(st, uint16(i)<<8), 2); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := ReadDeaths(svc)
	if err != nil || len(ds) != 2 || ds[0].Code != 3 || ds[1].Code != 4 {
		t.Fatalf("kept %v %v", ds, err)
	}
	b := EncodeDeaths([]Death{DeathFromWstat(st, 15)})
	if b[12] != 0x8f || b[13] != 0x0f {
		t.Fatalf("SIGTERM record %x", b)
	}
	if DecodeDeaths(b[:13]) != nil {
		t.Fatal("bad length accepted")
	}
}

// TestWriteFileAtomicReplaces checks the replace: first write (no file yet),
// then replaces of an existing file. A reader that opened the previous file
// keeps reading its whole contents, and no NAME.new is left behind.
func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "status")
	if err := WriteFileAtomic(p, []byte("first")); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	for _, v := range []string{"second", "third!"} {
		if err := WriteFileAtomic(p, []byte(v)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != v {
			t.Fatalf("after writing %q: read %q, %v", v, got, err)
		}
		if _, err := os.Lstat(p + ".new"); !os.IsNotExist(err) {
			t.Fatalf("%s.new left behind after writing %q (lstat: %v)", p, v, err)
		}
	}
	buf := make([]byte, 16)
	n, _ := old.ReadAt(buf, 0)
	if string(buf[:n]) != "first" {
		t.Fatalf("a reader of the replaced file now reads %q, want %q", buf[:n], "first")
	}
	// A stale NAME.new (left by a crash) is overwritten, not appended to.
	if err := os.WriteFile(p+".new", []byte("stale stale stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("fourth")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "fourth" {
		t.Fatalf("after a stale .new: read %q", got)
	}
}

// TestWriteFileAtomicErrorNamesFile checks that a failure names the file.
func TestWriteFileAtomicErrorNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing-dir", "status")
	err := WriteFileAtomic(p, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), p+".new") {
		t.Fatalf("error %v does not name %s.new", err, p)
	}
}

// TestWriteFileAtomicDirectoryInTheWay checks that a directory where the
// file should be is left where it is, with its contents, and the error says
// so.
func TestWriteFileAtomicDirectoryInTheWay(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "status")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "keep"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(p, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v does not name %s", err, p)
	}
	if b, err := os.ReadFile(filepath.Join(p, "keep")); err != nil || string(b) != "data" {
		t.Fatalf("the directory's file after the failed write: %q, %v", b, err)
	}
	if _, err := os.Lstat(p + ".new"); !os.IsNotExist(err) {
		t.Fatalf("%s.new left behind (lstat: %v)", p, err)
	}
}

// TestReadersRefuseNonRegular: status and death_tally pointed at /dev/zero
// (through a symlink) or replaced by a fifo are errors at once, not an
// endless read or a hang; an oversized tally is an error too.
func TestReadersRefuseNonRegular(t *testing.T) {
	for _, kind := range []string{"zero", "fifo"} {
		svc := t.TempDir()
		sup := filepath.Join(svc, "supervise")
		if err := os.Mkdir(sup, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"status", "death_tally"} {
			p := filepath.Join(sup, name)
			var err error
			if kind == "zero" {
				err = os.Symlink("/dev/zero", p)
			} else {
				err = unix.Mkfifo(p, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Read(svc); err == nil || !strings.Contains(err.Error(), "status") {
			t.Errorf("%s status: %v", kind, err)
		}
		if _, err := ReadDeaths(svc); err == nil || !strings.Contains(err.Error(), "death_tally") {
			t.Errorf("%s death_tally: %v", kind, err)
		}
		// The supervisor's own update replaces the bad tally.
		d := Death{Code: 1}
		if err := AppendDeath(sup, d, 10); err == nil || !strings.Contains(err.Error(), "death_tally") {
			t.Errorf("%s: AppendDeath did not report the bad tally: %v", kind, err)
		}
		if ds, err := ReadDeaths(svc); err != nil || len(ds) != 1 || ds[0] != d {
			t.Errorf("%s: tally after AppendDeath: %v, %v", kind, ds, err)
		}
	}
	svc := t.TempDir()
	sup := filepath.Join(svc, "supervise")
	os.Mkdir(sup, 0o700)
	big := make([]byte, (MaxDeaths+1)*DeathRecordSize)
	if err := os.WriteFile(filepath.Join(sup, "death_tally"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDeaths(svc); !errors.Is(err, ErrTallyTooLarge) {
		t.Errorf("oversized tally: %v", err)
	}
}

// TestWriteFileAtomicDoesNotFollowLeftovers: a symlink or a fifo left as
// NAME.new is replaced, not written through or blocked on.
func TestWriteFileAtomicDoesNotFollowLeftovers(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	p := filepath.Join(dir, "status")
	if err := os.Symlink(victim, p+".new"); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("written through the symlink: %q", b)
	}
	if err := unix.Mkfifo(p+".new", 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- WriteFileAtomic(p, []byte("newer")) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		// unblock the writer so the test ends
		if fd, err := unix.Open(p+".new", unix.O_RDONLY|unix.O_NONBLOCK, 0); err == nil {
			defer unix.Close(fd)
		}
		t.Fatal("WriteFileAtomic blocked on a fifo")
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "newer" {
		t.Fatalf("status: %q, %v", b, err)
	}
}
