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

func TestSignalLetter(t *testing.T) {
	want := map[syscall.Signal]byte{syscall.SIGALRM: 'a', syscall.SIGABRT: 'b', syscall.SIGQUIT: 'q', syscall.SIGHUP: 'h',
		syscall.SIGKILL: 'k', syscall.SIGTERM: 't', syscall.SIGINT: 'i', syscall.SIGUSR1: '1', syscall.SIGUSR2: '2',
		syscall.SIGSTOP: 'p', syscall.SIGCONT: 'c', syscall.SIGWINCH: 'y'}
	for s, c := range want {
		if got, ok := SignalLetter(int(s)); !ok || got != c {
			t.Errorf("%v: %q %v", s, got, ok)
		}
	}
	if _, ok := SignalLetter(int(syscall.SIGSEGV)); ok {
		t.Error("SIGSEGV offered")
	}
}
