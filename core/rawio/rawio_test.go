package rawio

import (
	"bytes"
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
