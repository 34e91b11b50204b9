package logger

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"s6box/logger/script"
)

func newTest(t *testing.T, max int, words ...string) (*logger, *bytes.Buffer) {
	sc, err := script.Parse(words)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	return &logger{cfg: Config{Prog: "s6-log", LineMax: max, Stdout: &out, Stderr: &out}, sc: sc}, &out
}

func TestLineSplitting(t *testing.T) {
	l, out := newTest(t, 48, "1")
	in := []byte("one\ntwo\x00three\n" + string(bytes.Repeat([]byte("x"), 100)) + "\npartial")
	buf := make([]byte, 1024)
	copy(buf, in)
	rest := l.lines(buf, 0, len(in))
	l.flushStdout()
	x48 := string(bytes.Repeat([]byte("x"), 48))
	want := "one\ntwo\nthree\n" + x48 + "\n" + x48 + "\nxxxx\n"
	if out.String() != want || string(buf[:rest]) != "partial" {
		t.Fatalf("out %q rest %q", out.String(), buf[:rest])
	}
	// The partial line continues with the next read.
	n := copy(buf[rest:], " end\n")
	out.Reset()
	rest = l.lines(buf, rest, rest+n)
	l.flushStdout()
	if out.String() != "partial end\n" || rest != 0 {
		t.Fatalf("out %q rest %d", out.String(), rest)
	}
}

func TestSelectionCarriesAcrossElements(t *testing.T) {
	l, out := newTest(t, 0, "-a", "1", "+b", "pB", "1", "f", "pF", "1")
	for _, line := range []string{"a", "ab", "c"} {
		l.line([]byte(line))
	}
	l.flushStdout()
	// "a": deselected, +b does not match, f selects (nothing acted).
	// "ab": deselected, +b reselects. "c": selected throughout.
	if want := "F a\nB ab\nc\nB c\n"; out.String() != want {
		t.Fatalf("%q, want %q", out.String(), want)
	}
}

// TestWriteAtomicDoesNotFollow: the =FILE action's FILE.new, planted as a
// symlink to a victim, is replaced, not written through.
func TestWriteAtomicDoesNotFollow(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	name := filepath.Join(dir, "last")
	if err := os.Symlink(victim, name+".new"); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(name, []byte("line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Fatalf("victim written: %q", b)
	}
	if b, err := os.ReadFile(name); err != nil || string(b) != "line\n" {
		t.Fatalf("%s: %q, %v", name, b, err)
	}
}
