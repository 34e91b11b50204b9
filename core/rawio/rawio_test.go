package rawio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadFileSizesAndErrors(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 5000} {
		p := filepath.Join(dir, "f")
		want := bytes.Repeat([]byte{'x'}, size)
		fd, err := Open(p, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteAll(fd, want); err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
		got, err := ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: got %d bytes, %v", size, len(got), err)
		}
	}
	_, err := ReadFile(filepath.Join(dir, "missing"))
	if !os.IsNotExist(err) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "read "+dir) {
		t.Fatalf("reading a directory: %v", err)
	}
}

// TestReadDirNames lists enough entries to need several getdents calls and
// checks the errors of a missing directory and of a file.
func TestReadDirNames(t *testing.T) {
	dir := t.TempDir()
	want := map[string]bool{}
	for i := 0; i < 300; i++ {
		n := "ftrig1:@" + strings.Repeat("a", 30) + string(rune('a'+i%26)) + strings.Repeat("b", i%7) + string(rune('0'+i/26))
		if want[n] {
			continue
		}
		want[n] = true
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadDirNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d names, want %d", len(got), len(want))
	}
	for _, n := range got {
		if !want[n] {
			t.Fatalf("listed %q, which is not in the directory", n)
		}
	}
	if _, err := ReadDirNames(filepath.Join(dir, "missing")); !os.IsNotExist(err) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing directory: %v", err)
	}
	if _, err := ReadDirNames(filepath.Join(dir, "ftrig1:@"+strings.Repeat("a", 31)+"0")); err == nil {
		t.Fatal("a file listed as a directory")
	}
}

// TestReadRegularRefusesAndBounds: a fifo in a file's place is refused at
// once (the open does not wait for a writer), /dev/zero is refused, a
// symlink is refused under O_NOFOLLOW, and a large file costs max bytes.
func TestReadRegularRefusesAndBounds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegular(fifo, 0, 16); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), fifo) {
		t.Fatalf("fifo: %v", err)
	}
	if _, err := ReadRegular("/dev/zero", 0, 16); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("/dev/zero: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("0123456789"), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, max := range []int{0, 1, 35, 9999, 10000, 20000} {
		got, err := ReadRegular(big, 0, max)
		if err != nil || len(got) != min(max, 10000) || !bytes.HasPrefix([]byte(strings.Repeat("0123456789", 1000)), got) {
			t.Fatalf("max %d: %d bytes, %v", max, len(got), err)
		}
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(big, link); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegular(link, unix.O_NOFOLLOW, 16); !errors.Is(err, unix.ELOOP) {
		t.Fatalf("symlink with O_NOFOLLOW: %v", err)
	}
	if got, err := ReadRegular(link, 0, 4); err != nil || string(got) != "0123" {
		t.Fatalf("symlink followed: %q, %v", got, err)
	}
}

// TestCreateFreshReplacesLeftovers: whatever has the name (a symlink to a
// victim, a fifo, a file) is replaced by a new empty file; the victim is
// untouched and nothing blocks.
func TestCreateFreshReplacesLeftovers(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	p := filepath.Join(dir, "new")
	plant := []func() error{
		func() error { return os.Symlink(victim, p) },
		func() error { return unix.Mkfifo(p, 0o600) },
		func() error { return os.WriteFile(p, []byte("old"), 0o644) },
		func() error { return nil },
	}
	for i, f := range plant {
		if err := f(); err != nil {
			t.Fatal(err)
		}
		fd, err := CreateFresh(p, 0o644)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		WriteAll(fd, []byte("x"))
		unix.Close(fd)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != 1 {
			t.Fatalf("%d: %v %v", i, fi, err)
		}
		os.Remove(p)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("victim: %q", b)
	}
}
