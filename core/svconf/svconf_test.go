package svconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestParseUint(t *testing.T) {
	for in, want := range map[string]uint64{"12": 12, "12\n": 12, "7abc": 7, "0": 0, "123456789012": 12345678901} {
		if n, ok := ParseUint([]byte(in)); !ok || n != want {
			t.Errorf("ParseUint(%q) = %d %v", in, n, ok)
		}
	}
	for _, in := range []string{"", "\n5", "x1", " 1"} {
		if _, ok := ParseUint([]byte(in)); ok {
			t.Errorf("ParseUint(%q) accepted", in)
		}
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"term": 15, "SIGTERM\n": 15, " sigkill \n": 9, "HUP\nINT": 1, "10": 10} {
		if s, ok := ParseSignal([]byte(in)); !ok || s != want {
			t.Errorf("ParseSignal(%q) = %v %v", in, s, ok)
		}
	}
	for _, in := range []string{"", "nope", "0", "65", "SIG", "\nTERM", "                TERM"} {
		if s, ok := ParseSignal([]byte(in)); ok {
			t.Errorf("ParseSignal(%q) accepted as %v", in, s)
		}
	}
}

func TestReadNotificationFd(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "notification-fd")
	if _, err := ReadNotificationFd(p); !errors.As(err, new(*ReadError)) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte("x3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNotificationFd(p); !errors.As(err, new(*InvalidError)) || err.Error() != "invalid "+p {
		t.Fatalf("invalid file: %v", err)
	}
	if err := os.WriteFile(p, []byte("5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := ReadNotificationFd(p); err != nil || n != 5 {
		t.Fatalf("got %d %v", n, err)
	}
}

// FuzzParsers: service directory files are untrusted input.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"3\n", "99999999999", "TERM", "sigusr1\n", "0", "-1", "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, ok := ParseUint(b); ok && n > 99999999999 {
			t.Fatalf("ParseUint(%q) = %d: more than 11 digits", b, n)
		}
		if sig, ok := ParseSignal(b); ok && (sig <= 0 || sig > 64) {
			t.Fatalf("ParseSignal(%q) = %d", b, sig)
		}
	})
}
