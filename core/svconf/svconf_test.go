package svconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
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

func TestParseBackoff(t *testing.T) {
	ms := time.Millisecond
	for in, want := range map[string]Backoff{
		"1000 60000":           {1000 * ms, 60000 * ms, 60000 * ms},
		"1000 60000 300000\n":  {1000 * ms, 60000 * ms, 300000 * ms},
		"\t250  250\t10\nrest": {250 * ms, 250 * ms, 10 * ms},
		"1 86400000 86400000":  {ms, 24 * time.Hour, 24 * time.Hour},
		"0010 20":              {10 * ms, 20 * ms, 20 * ms},
	} {
		got, err := ParseBackoff([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseBackoff(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "\n1000 2000", "1000", "1000 2000 3000 4000", "0 1000", "1000 0",
		"2000 1000", "1000 2000 0", "1s 2s", "-1 5", "1000 86400001", "1000 99999999999999", "1000,2000", "+1 2"} {
		var be *BackoffError
		if b, err := ParseBackoff([]byte(in)); !errors.As(err, &be) {
			t.Errorf("ParseBackoff(%q) = %+v, %v; want a *BackoffError", in, b, err)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 30 * time.Second}
	var got []time.Duration
	for n := 1; n <= 10; n++ {
		got = append(got, b.Delay(n)/time.Second)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30, 30, 30}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
	// no overflow however long the streak
	b = Backoff{Initial: time.Millisecond, Max: BackoffMax}
	if d := b.Delay(1 << 30); d != BackoffMax {
		t.Fatalf("Delay(1<<30) = %v", d)
	}
}

// FuzzParseBackoff: any content is either a valid Backoff or a
// *BackoffError, and a valid one never yields a delay out of range.
func FuzzParseBackoff(f *testing.F) {
	for _, s := range []string{"1000 60000", "1 2 3\n", "0 0", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := ParseBackoff(in)
		if err != nil {
			var be *BackoffError
			if !errors.As(err, &be) {
				t.Fatalf("%q: error type %T", in, err)
			}
			return
		}
		for n := 1; n < 50; n++ {
			if d := b.Delay(n); d < b.Initial || d > b.Max || d > BackoffMax {
				t.Fatalf("%q: Delay(%d) = %v", in, n, d)
			}
		}
	})
}
