package svc

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func kindOf(t *testing.T, err error) Kind {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *Error: %v", err)
	}
	return e.Kind
}

func TestWriteClassifiesFailures(t *testing.T) {
	base := t.TempDir()
	if k := kindOf(t, Write(filepath.Join(base, "missing"), []byte("u"))); k != System {
		t.Errorf("missing dir: kind %v", k)
	}
	if k := kindOf(t, Write(base, []byte("u"))); k != BadSuperviseDir {
		t.Errorf("no supervise/: kind %v", k)
	}
	sup := filepath.Join(base, "supervise")
	os.Mkdir(sup, 0o700)
	os.WriteFile(filepath.Join(sup, "control"), nil, 0o600)
	if k := kindOf(t, Write(base, []byte("u"))); k != BadSuperviseDir {
		t.Errorf("regular control file: kind %v", k)
	}
	os.Remove(filepath.Join(sup, "control"))
	syscall.Mkfifo(filepath.Join(sup, "control"), 0o600)
	err := Write(base, []byte("u"))
	if k := kindOf(t, err); k != NotListening {
		t.Errorf("no reader: kind %v", k)
	}
	if err.Error() != "unable to control "+base+": supervisor not listening" {
		t.Errorf("message %q", err)
	}
	r, err := os.OpenFile(filepath.Join(sup, "control"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := Write(base, []byte("dux")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	n, _ := r.Read(buf)
	if string(buf[:n]) != "dux" {
		t.Fatalf("read %q", buf[:n])
	}
}
