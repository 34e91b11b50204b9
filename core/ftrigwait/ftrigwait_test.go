package ftrigwait

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/core/ftrig"
)

// anyOf matches at the first byte in set.
type anyOf string

func (m anyOf) MatchEnd(b []byte, _ bool) (int, bool) {
	if i := strings.IndexAny(string(b), string(m)); i >= 0 {
		return i + 1, true
	}
	return 0, false
}

func TestWaitAllAndOne(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := ftrig.MakeFifodir(d, true, false); err != nil {
			t.Fatal(err)
		}
	}
	w, err := Subscribe([]string{a, b}, []Matcher{anyOf("u"), anyOf("d")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ftrig.Notify(a, []byte("xu"))
	if err := w.Wait(false, time.Now().Add(5*time.Second)); err != nil || w.Last(0) != 'u' {
		t.Fatalf("one: %v %q", err, w.Last(0))
	}
	if err := w.Wait(true, time.Now().Add(100*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("all before b: %v", err)
	}
	ftrig.Notify(b, []byte("sd"))
	if err := w.Wait(true, time.Now().Add(5*time.Second)); err != nil || w.Last(1) != 'd' {
		t.Fatalf("all: %v %q", err, w.Last(1))
	}
}

func TestSubscribeError(t *testing.T) {
	_, err := Subscribe([]string{"/nonexistent/x"}, []Matcher{anyOf("a")})
	var se *SubscribeError
	if !errors.As(err, &se) || se.Dir != "/nonexistent/x" {
		t.Fatalf("%v", err)
	}
}

// A flood that never matches keeps a bounded history.
func TestHistoryBounded(t *testing.T) {
	s := &sub{re: anyOf("z")}
	chunk := []byte(strings.Repeat("x", 1000))
	for range 50 {
		s.feed(chunk)
	}
	if len(s.seen) > maxHistory || s.done {
		t.Fatalf("history %d, done %v", len(s.seen), s.done)
	}
	s.feed([]byte("z"))
	if !s.done || s.last != 'z' {
		t.Fatal("no match after the flood")
	}
}
